"""``mustgather``: what upstream collects with ``oc adm must-gather`` and uploads to Red
Hat's SFTP server, reduced to what CAD can do over HTTP.

CAD runs neither the ``oc`` binary nor an SFTP client (docs/upstream.md says why), so it
cannot collect or upload. It checks what it can (for an HCP cluster, that no earlier
must-gather is still running on the management cluster: an ``openshift-must-gather-*``
namespace), writes the exact commands for the cluster into the notes and the cluster
report, and escalates so that a person runs them.
"""

from __future__ import annotations

from typing import Any

from cad_core import InvestigationContext, InvestigationResult
from cad_core.errors import CadError, ResourceError, one_line

from cad_clustertools.kubeview import is_hcp, name_of, report

IMAGE_SETTING = "CAD_ACM_HCP_MUST_GATHER_IMAGE"
DEFAULT_IMAGE = "registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8"
NAMESPACE_PREFIX = "openshift-must-gather-"
OPERATOR_NAMESPACE = "openshift-must-gather-operator"  # permanent, not a running gather
SFTP_HELP = "https://access.redhat.com/articles/5594481"
ESCALATE = "A must-gather needs a person: the commands are in the note"


def run(ctx: InvestigationContext) -> InvestigationResult:
    cluster = ctx.resource("cluster")
    cluster_id = str(cluster.get("id") or ctx.cluster_id)
    if is_hcp(ctx):
        _hcp(ctx, cluster)
    else:
        ctx.notes.line(
            "Collect it (ROSA classic):\n"
            f"  ocm backplane login {cluster_id}\n"
            "  oc adm must-gather --dest-dir=./must-gather\n"
            f"  tar czf must-gather-{cluster_id}.tar.gz must-gather"
        )
    ctx.notes.line(
        "Upload the archive to Red Hat's SFTP server with anonymous credentials "
        f"(see {SFTP_HELP}) and note its path on the incident"
    )
    return report(ctx, escalate=ESCALATE)


def _hcp(ctx: InvestigationContext, cluster: dict[str, Any]) -> None:
    try:
        management = ctx.resource("management_cluster")
        namespaces = management.kube.list_objects("v1", "namespaces")
    except (ResourceError, CadError) as error:
        cause = error.cause if isinstance(error, ResourceError) else error
        ctx.notes.warning(f"CAD could not look at the management cluster: {one_line(cause)}")
        return
    running = [
        name_of(ns)
        for ns in namespaces
        if name_of(ns).startswith(NAMESPACE_PREFIX) and name_of(ns) != OPERATOR_NAMESPACE
    ]
    if running:
        ctx.notes.warning(
            f"A must-gather is still running on management cluster {management.name}: "
            f"namespace {running[0]}; wait until it is gone before starting another"
        )
    else:
        ctx.notes.success(f"No must-gather is running on management cluster {management.name}")
    from cad_core.settings import setting

    from cad_clustertools.plugin import MUST_GATHER_IMAGE

    image = setting(MUST_GATHER_IMAGE)
    ctx.notes.line(
        f"Collect it (ROSA HCP), logged in to management cluster {management.name}:\n"
        f"  oc adm must-gather --dest-dir=./must-gather --image={image} "
        f"/usr/bin/gather hosted-cluster-namespace={management.hcp_namespace} "
        f"hosted-cluster-name={cluster.get('name') or management.hosted_cluster}"
    )
