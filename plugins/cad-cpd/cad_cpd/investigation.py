"""The cpd decision table (docs/investigations/cpd.md): one function per outcome.

Every plan starts with the cluster report and the incident note (``report_and_note``), so
the responder always sees what CAD found. cpd never stops the chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import (
    EscalateIncident,
    InvestigationContext,
    InvestigationResult,
    ServiceLog,
)
from cad_core.errors import NotFoundError, ResourceError
from cad_core.plan.helpers import report_and_note, silence_after
from cad_core.run.metrics import SERVICELOG_PREPARED

from cad_cpd import messages
from cad_cpd.routes import check_subnets


def run(ctx: InvestigationContext) -> InvestigationResult:
    cluster = ctx.resource("cluster")
    cluster_id = str(cluster.get("id") or ctx.cluster_id)
    state = str(cluster.get("state") or (cluster.get("status") or {}).get("state") or "")
    if state == "ready":
        ctx.notes.warning(messages.ALREADY_READY)
        return _escalate(ctx, cluster_id, messages.ESCALATE_READY)
    ctx.notes.success(messages.still_installing(state))
    if not _has_metadata(ctx):
        ctx.notes.warning(messages.no_metadata(cluster_id))
        return _escalate(ctx, cluster_id, messages.ESCALATE_NO_METADATA)
    if (cluster.get("status") or {}).get("dns_ready") is not True:
        ctx.notes.warning(messages.dns_not_ready(cluster_id))
        return _escalate(ctx, cluster_id, messages.ESCALATE_DNS)
    ctx.notes.success(messages.DNS_READY)
    blocked_subnets = _check_routes(ctx, cluster)
    if blocked_subnets:
        return _route_missing(ctx, cluster_id, blocked_subnets)
    _note_egress(ctx)
    return _escalate(ctx, cluster_id, messages.ESCALATE_AFTER_CHECKS)


def _plan(ctx: InvestigationContext, cluster_id: str, *actions: Any) -> InvestigationResult:
    return InvestigationResult([*report_and_note(ctx, cluster_id=cluster_id), *actions])


def _escalate(ctx: InvestigationContext, cluster_id: str, reason: str) -> InvestigationResult:
    return _plan(ctx, cluster_id, EscalateIncident(reason=reason))


def _has_metadata(ctx: InvestigationContext) -> bool:
    """Hive's ClusterDeployment carries ``spec.clusterMetadata`` once the installer ran."""
    try:
        deployment = ctx.resource("cluster_deployment")
    except ResourceError as error:
        if isinstance(error.cause, NotFoundError):
            return False
        raise
    return bool((deployment.get("spec") or {}).get("clusterMetadata"))


def _check_routes(ctx: InvestigationContext, cluster: Mapping[str, Any]) -> list[str]:
    """Subnets without a default route; notes say what was (or could not be) checked."""
    subnets = [str(s) for s in (cluster.get("aws") or {}).get("subnet_ids") or []]
    if not subnets:
        ctx.notes.success(messages.NO_CUSTOMER_SUBNETS)
        return []
    routes = check_subnets(ctx.resource("aws_session"), subnets)
    if routes.without_route_table:
        ctx.notes.warning(messages.no_route_table(routes.without_route_table))
    if not routes.without_default_route and not routes.without_route_table:
        ctx.notes.success(messages.ROUTES_OK)
    return list(routes.without_default_route)


def _route_missing(
    ctx: InvestigationContext, cluster_id: str, subnets: list[str]
) -> InvestigationResult:
    """The customer must add the route; the alert waits for them, so it is silenced."""
    for subnet in subnets:
        ctx.notes.warning(messages.missing_route(subnet))
    service_log = ServiceLog(
        severity="Major",
        summary=messages.ROUTE_SL_SUMMARY,
        description=messages.route_sl_description(subnets),
        reason="a customer subnet has no route to the internet",
    )
    # The silence requires the service log: never silence what the customer was not told.
    return _plan(ctx, cluster_id, *silence_after(service_log, messages.SILENCE_ROUTE))


def _note_egress(ctx: InvestigationContext) -> None:
    """The shared egress verdict, worded by cad-ocm's ``egress_findings``."""
    findings = ctx.resource("egress_findings")
    if findings.get("outcome") == "failure":
        ctx.metric(SERVICELOG_PREPARED, alert_type=ctx.name)  # as upstream: one for a person
    if findings.get("level") == "success":
        ctx.notes.success(str(findings["note"]))
    else:
        ctx.notes.warning(str(findings["note"]))
