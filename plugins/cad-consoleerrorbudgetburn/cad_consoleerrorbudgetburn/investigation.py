"""The consoleerrorbudgetburn decision table (docs/investigations/consoleerrorbudgetburn.md).

Upstream's checks in upstream's order. Two can name a cause the customer must fix (the
IngressController's allowedSourceRanges, the Route53 ``*.apps`` records): then the customer
is told and the alert silenced. Every other check only adds to the report, and the
incident is escalated with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult, ServiceLog
from cad_core.errors import ResourceError, one_line
from cad_core.plan.helpers import report_and_note, silence_after

from cad_consoleerrorbudgetburn import awschecks, kubechecks, lbhealth, messages


def run(ctx: InvestigationContext) -> InvestigationResult:
    cluster = ctx.resource("cluster")
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(messages.unreachable(one_line(error.cause)))
        return _escalate(ctx, cluster, messages.ESCALATE_UNREACHABLE)
    hcp = bool((cluster.get("hypershift") or {}).get("enabled"))
    machine_cidr = str((cluster.get("network") or {}).get("machine_cidr") or "")
    if not hcp and kubechecks.source_ranges_exclude(ctx, kube, machine_cidr):
        ctx.notes.line(messages.TOLD_SOURCE_RANGES)
        description = messages.source_ranges_description(machine_cidr)
        return _tell(
            ctx,
            cluster,
            messages.SOURCE_RANGES_SUMMARY,
            description,
            messages.SILENCE_SOURCE_RANGES,
        )
    kubechecks.note_upstream_dns(ctx, kube)
    kubechecks.note_pods(ctx, kube, kubechecks.ROUTER)
    console_pods = kubechecks.note_pods(ctx, kube, kubechecks.CONSOLE)
    kubechecks.note_nodes(ctx, kube, console_pods)
    if (cluster.get("cloud_provider") or {}).get("id") == "aws":
        told = _aws_checks(ctx, cluster, hcp)
        if told is not None:
            return told
    return _escalate(ctx, cluster, messages.ESCALATE_DONE)


def _aws_checks(
    ctx: InvestigationContext, cluster: dict[str, Any], hcp: bool
) -> InvestigationResult | None:
    """Route53 (may tell the customer: the plan), then DHCP and egress (notes only)."""
    try:
        session = ctx.resource("aws_session")
    except ResourceError as error:
        ctx.notes.warning(f"{messages.AWS_SKIPPED} ({one_line(error.cause)})")
        return None
    if awschecks.apps_records_missing(ctx, session, cluster):
        ctx.notes.line(messages.TOLD_NETWORK)
        change = messages.apps_record_missing(awschecks.cluster_domain(cluster))
        description = messages.network_description(change)
        return _tell(ctx, cluster, messages.NETWORK_SUMMARY, description, messages.SILENCE_RECORDS)
    if hcp:
        return None
    awschecks.note_dhcp(ctx, session, str(cluster.get("infra_id") or ""))
    machine_cidr = str((cluster.get("network") or {}).get("machine_cidr") or "")
    lbhealth.note_load_balancer(ctx, ctx.resource("kube"), session, machine_cidr)
    if not (cluster.get("aws") or {}).get("private_link"):
        _note_egress(ctx)
    return None


def _note_egress(ctx: InvestigationContext) -> None:
    try:
        verdict = ctx.resource("egress_findings")
    except ResourceError as failure:
        verdict = {"outcome": "undefined", "error": one_line(failure.cause)}
    outcome = verdict.get("outcome") if isinstance(verdict, Mapping) else None
    if outcome == "success":
        ctx.notes.success(messages.EGRESS_OK)
    elif outcome == "failure":
        ctx.notes.warning(messages.egress_blocked([str(t) for t in verdict.get("blocked") or ()]))
    else:
        error = verdict.get("error") if isinstance(verdict, Mapping) else repr(verdict)
        ctx.notes.warning(messages.egress_not_verified(str(error or "no reason given")))


def _report(ctx: InvestigationContext, cluster: dict[str, Any]) -> list[Any]:
    return report_and_note(ctx, cluster_id=str(cluster.get("id") or ctx.cluster_id))


def _tell(
    ctx: InvestigationContext, cluster: dict[str, Any], summary: str, description: str, why: str
) -> InvestigationResult:
    """A Critical service log, as upstream's, then the silence, which requires it: CAD
    never silences what the customer was not told."""
    service_log = ServiceLog(
        severity="Critical", summary=summary, description=description, reason=why
    )
    return InvestigationResult([*_report(ctx, cluster), *silence_after(service_log, why)])


def _escalate(
    ctx: InvestigationContext, cluster: dict[str, Any], reason: str
) -> InvestigationResult:
    return InvestigationResult([*_report(ctx, cluster), EscalateIncident(reason=reason)])
