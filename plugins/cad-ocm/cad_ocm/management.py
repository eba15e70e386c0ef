"""The management cluster of an HCP cluster, through a backplane remediation.

An HCP cluster's control plane (etcd, the HostedCluster object) lives on a management
cluster. Upstream CAD reaches it by opening the investigation's remediation with
``managingCluster=management``; the namespaces come from OCM's hypershift config:

* ``hcp_namespace`` (e.g. ``ocm-production-<id>-<domain prefix>``): the control plane's pods;
* ``hc_namespace``, the HCP namespace without ``-<domain prefix>``: the HostedCluster,
  named after the domain prefix.

The ``management_cluster`` resource is investigation-scoped, as ``kube`` is: the
remediation (and so the RBAC of ``managementClusterRbac``) is the asker's own. It takes
the same safe path as the cluster's own remediation (``BackplaneClient.open_remediation``):
written down in the grant ledger under the hosted cluster's id, kept alive, deleted with
``managingCluster=management`` on close, and swept by the next run after a SIGKILL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from cad_core.errors import BadInputError, NotFoundError, PermanentError
from cad_core.plugins.registrations import Resource
from cad_core.run.context import Resources

from cad_ocm.kube import KubeClient, page_size_setting
from cad_ocm.paths import cluster_path

if TYPE_CHECKING:
    from cad_ocm.backplane import BackplaneClient


@attrs.frozen
class ManagementCluster:
    """Where an HCP cluster's control plane lives, and a client to reach it."""

    name: str  # the management cluster's name in OCM (may be empty)
    hcp_namespace: str
    hc_namespace: str
    hosted_cluster: str  # the HostedCluster's name: the cluster's domain prefix
    kube: KubeClient = attrs.field(repr=False)

    def close(self) -> None:
        self.kube.close()


def hypershift_config(resources: Resources) -> dict[str, Any]:
    cluster = resources.get("cluster")
    config: dict[str, Any] = resources.get("ocm").get(cluster_path(cluster, "/hypershift"))
    return config


def namespaces(cluster: dict[str, Any], config: dict[str, Any]) -> tuple[str, str, str]:
    """(hcp namespace, hc namespace, HostedCluster name), checked as upstream checks them."""
    hcp_namespace = str(config.get("hcp_namespace") or "")
    if not hcp_namespace:
        raise PermanentError(f"OCM's hypershift config of cluster {cluster['id']} has no namespace")
    prefix = str(cluster.get("domain_prefix") or "")
    if not prefix or not hcp_namespace.endswith("-" + prefix):
        raise PermanentError(
            f"HCP namespace {hcp_namespace} does not end with -<domain prefix> "
            f"({prefix or 'the cluster has none'}), so the HostedCluster cannot be found"
        )
    return hcp_namespace, hcp_namespace.removesuffix("-" + prefix), prefix


def open_management_remediation(
    backplane: BackplaneClient, cluster_id: str, remediation: str, page_size: int
) -> KubeClient:
    """The cluster's own remediation's safe path (shielded, written down in the grant
    ledger, heartbeat, swept after a killed run), on the management cluster."""
    from cad_ocm.grants import MANAGEMENT  # here: every run imports this module, few use it

    return backplane.open_remediation(
        cluster_id, remediation, page_size, managing_cluster=MANAGEMENT
    )


def build_management_cluster(resources: Resources) -> ManagementCluster:
    from cad_ocm.resources import backplane

    page_size = page_size_setting()
    investigation = resources.run.investigation
    if not investigation:
        raise BadInputError(
            "the management_cluster resource needs a running investigation: its name "
            "selects the backplane remediation (and so the RBAC)"
        )
    cluster = resources.get("cluster")
    if not (cluster.get("hypershift") or {}).get("enabled"):
        raise NotFoundError(
            f"cluster {cluster['id']} is not a hosted control plane: it has no management cluster"
        )
    config = hypershift_config(resources)
    hcp_namespace, hc_namespace, hosted = namespaces(cluster, config)
    kube = open_management_remediation(
        backplane(resources), cluster["id"], investigation, page_size
    )
    name = str(config.get("management_cluster") or "")
    return ManagementCluster(name, hcp_namespace, hc_namespace, hosted, kube)


def registration() -> Resource:
    return Resource(
        "management_cluster",
        build_management_cluster,
        "an HCP cluster's management cluster: its namespaces and a kube client on it "
        "(backplane remediation with managingCluster=management)",
        scope="investigation",
        needs=("ocm", "cluster"),
    )
