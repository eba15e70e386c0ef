"""``cad interceptor``: the webhook front door for Tekton Triggers (a ClusterInterceptor)."""
