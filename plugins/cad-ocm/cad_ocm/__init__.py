"""CAD plugin for OpenShift Cluster Manager (OCM) and backplane.

Provides the OCM and backplane clients, the cluster resources investigations build on,
the executors for service logs, limited support and cluster reports, and the ``precheck``
and ``ccam`` investigations. The plugin module (:mod:`cad_ocm.plugin`) stays import-light;
``requests`` and ``boto3`` load only when a resource is first built.
"""

__version__ = "0.1.0"
