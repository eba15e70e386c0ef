"""Every text this investigation writes: service logs (the customer reads them), incident
notes and the reasons given to silence or escalate (the responder reads those).

Each misconfiguration gets its own summary, so the customer sees what is wrong at a
glance and a later, different problem is never mistaken for one already reported (see
docs/investigations/clustermonitoringerrorbudgetburn.md). Names of namespaces, ConfigMaps
and keys are exact.
"""

from __future__ import annotations

UWM_NAMESPACE = "openshift-user-workload-monitoring"
UWM_CONFIGMAP = "user-workload-monitoring-config"
MONITORING_STACK_DOCS = {
    "rosa": (
        "https://docs.redhat.com/en/documentation/"
        "red_hat_openshift_service_on_aws_classic_architecture/4/html/monitoring/"
        "configuring-user-workload-monitoring"
    ),
    "osd": (
        "https://docs.redhat.com/en/documentation/openshift_dedicated/4/html/monitoring/"
        "configuring-user-workload-monitoring"
    ),
}


def monitoring_stack_docs(product_id: str | None) -> str:
    """The user-workload-monitoring guide for the cluster's product; ROSA's when unknown."""
    rosa = MONITORING_STACK_DOCS["rosa"]
    return MONITORING_STACK_DOCS.get((product_id or "").lower(), rosa)


def _docs(link: str) -> str:
    return f"The supported settings are described at {link}"


# --- UWM ConfigMap cannot be parsed ------------------------------------------------------------

CONFIG_INVALID_SUMMARY = "Action required: user workload monitoring configuration cannot be parsed"
CONFIG_INVALID_NOTE = (
    f"The customer's user workload monitoring ConfigMap ({UWM_NAMESPACE}/{UWM_CONFIGMAP}) "
    "cannot be parsed"
)
CONFIG_INVALID_SILENCE = "Invalid customer user workload monitoring ConfigMap; service log sent"


def config_invalid_description(link: str) -> str:
    return (
        "Your action is needed: the cluster monitoring operator cannot parse the configuration "
        'of user workload monitoring, so it cannot apply it. Please check the "config.yaml" '
        f'key of the ConfigMap "{UWM_CONFIGMAP}" in the namespace "{UWM_NAMESPACE}" for '
        "syntax errors or unsupported fields and correct it. " + _docs(link)
    )


# --- user-workload Alertmanager cannot be rolled out -------------------------------------------

ALERTMANAGER_SUMMARY = "Action required: user workload Alertmanager configuration fails to apply"
ALERTMANAGER_NOTE = (
    "A customer user workload monitoring setting breaks the user-workload Alertmanager "
    "(UpdatingUserWorkloadAlertmanager failed)"
)
ALERTMANAGER_SILENCE = "Broken customer user workload Alertmanager configuration; service log sent"


def alertmanager_description(link: str) -> str:
    return (
        "Your action is needed: the cluster monitoring operator cannot roll out the Alertmanager "
        "of user workload monitoring with its current settings. Please review the Alertmanager "
        f'settings in the namespace "{UWM_NAMESPACE}" (the alertmanager section of the '
        f'ConfigMap "{UWM_CONFIGMAP}" and the Alertmanager configuration secret), for example '
        "receiver addresses and templates, and correct them. " + _docs(link)
    )


# --- user-workload Prometheus has no ready pod ----------------------------------------------

PROMETHEUS_SUMMARY = "Action required: user workload Prometheus cannot start"
PROMETHEUS_NOTE = (
    "A customer user workload monitoring setting leaves the user-workload Prometheus without a "
    "ready pod (UpdatingUserWorkloadPrometheus: NoPodReady)"
)
PROMETHEUS_SILENCE = "Broken customer user workload Prometheus configuration; service log sent"


def prometheus_description(link: str) -> str:
    return (
        "Your action is needed: no Prometheus pod of user workload monitoring becomes ready with "
        'the current settings. Please check the status of the "monitoring" cluster operator '
        f'and of the Prometheus pods in the namespace "{UWM_NAMESPACE}", then correct the '
        f'prometheus section of the ConfigMap "{UWM_CONFIGMAP}" (for example resource limits, '
        "storage or retention). " + _docs(link)
    )


# --- other outcomes ------------------------------------------------------------------------


def condition_line(message: str) -> str:
    return f"Available condition of the monitoring cluster operator: {message or '(no message)'}"


def api_unreachable(error: str) -> str:
    return (
        "CAD could not reach the cluster's API to inspect the monitoring cluster operator, so "
        f"nothing was checked: {error}"
    )


ESCALATE_API_UNREACHABLE = "CAD could not reach the cluster's API; a human needs to take over"


def wrong_operator_count(count: int) -> str:
    return f"Expected exactly one cluster operator named monitoring, found {count}"


def escalate_wrong_count(count: int) -> str:
    return (
        f"Found {count} cluster operators named monitoring instead of one; a human needs to "
        "investigate"
    )


UWM_RULED_OUT = (
    "A user workload monitoring misconfiguration is ruled out as the cause of the monitoring "
    "cluster operator's state"
)
ESCALATE_RULED_OUT = (
    "User workload monitoring misconfiguration ruled out; a human needs to investigate"
)
