"""The restartcontrolplane decision table (docs/investigations/restartcontrolplane.md).

Only HCP clusters have a HostedCluster to restart; a classic cluster is noted and the
incident silenced, as upstream does. For an HCP cluster the plan is the restart itself
(an action: dry-run, inform mode, locks and the run record cover it) and the findings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult, SilenceIncident
from cad_core.errors import CadError, InfrastructureError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_restartcontrolplane.actions import RestartControlPlane
from cad_restartcontrolplane.executor import HOSTED_CLUSTERS

NOT_HCP = "The cluster is not an HCP cluster: it has no hosted control plane to restart"
SILENCE_NOT_HCP = "Control-plane restarts apply to HCP clusters only"
ESCALATE_NO_HOSTED_CLUSTER = "The HostedCluster to restart was not found: please look at it"


def run(ctx: InvestigationContext) -> InvestigationResult:
    cluster = ctx.resource("cluster")
    cluster_id = str(cluster.get("id") or ctx.cluster_id)
    if not (cluster.get("hypershift") or {}).get("enabled"):
        ctx.notes.success(NOT_HCP)
        return InvestigationResult(
            [*report_and_note(ctx, cluster_id), SilenceIncident(reason=SILENCE_NOT_HCP)]
        )
    try:
        management = ctx.resource("management_cluster")
        version, resource = HOSTED_CLUSTERS
        hosted = management.kube.get_object(
            version, resource, management.hosted_cluster, namespace=management.hc_namespace
        )
    except (CadError, OSError) as error:  # upstream retries every failure to read it
        cause = error.cause if isinstance(error, ResourceError) else error
        raise InfrastructureError(
            f"reading the HostedCluster failed: {one_line(cause)}",
            context="restarting the control plane",
        ) from error
    where = f"{management.hc_namespace}/{management.hosted_cluster}"
    if hosted is None:
        ctx.notes.warning(f"HostedCluster {where} was not found on the management cluster")
        return InvestigationResult(
            [*report_and_note(ctx, cluster_id), EscalateIncident(reason=ESCALATE_NO_HOSTED_CLUSTER)]
        )
    ctx.notes.line(f"HostedCluster {where} on management cluster {management.name or '(unnamed)'}")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    restart = RestartControlPlane(
        cluster_id=cluster_id,
        namespace=management.hc_namespace,
        hosted_cluster=management.hosted_cluster,
        restart_date=stamp,
    )
    return InvestigationResult([restart, *report_and_note(ctx, cluster_id)])
