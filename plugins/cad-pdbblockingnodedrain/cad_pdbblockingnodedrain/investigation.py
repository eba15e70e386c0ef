"""The pdbblockingnodedrain decision table (docs/investigations/pdbblockingnodedrain.md).

Every outcome is a note and an escalation: CAD tells the responder which budgets block
which drains, who owns them and whether scaling would help; it changes nothing itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cad_core import EscalateIncident, IncidentNote, InvestigationContext, InvestigationResult
from cad_core.errors import InfrastructureError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_pdbblockingnodedrain import budgets, messages, nodes
from cad_pdbblockingnodedrain.owners import OwnerResolver


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(messages.unreachable(one_line(error.cause)))
        return InvestigationResult(
            [
                IncidentNote(content=ctx.notes.text()),
                EscalateIncident(reason=messages.ESCALATE_UNREACHABLE),
            ]
        )
    every_node = _all_nodes(kube)
    stalled = _stalled_drains(ctx, every_node, kube.timestamp)
    if not stalled:
        return _plan(ctx, messages.ESCALATE_NO_STALL)
    blocking = _blocking_budgets(ctx, kube, stalled)
    unhealthy = _node_health(ctx, every_node, kube.timestamp)
    _scaling(ctx, blocking, unhealthy)
    return _plan(ctx, messages.ESCALATE_DONE)


def _all_nodes(kube: Any) -> list[dict[str, Any]]:
    try:
        listed: list[dict[str, Any]] = kube.list_objects("v1", "nodes")
    except Exception as error:  # without the nodes nothing can be said: retry
        raise InfrastructureError(
            f"listing the nodes failed: {one_line(error)}", context="kube API list of nodes"
        ) from error
    return listed


def _stalled_drains(
    ctx: InvestigationContext, every_node: list[dict[str, Any]], timestamp: nodes.Timestamp
) -> list[nodes.Draining]:
    now = datetime.now(UTC)
    found = (nodes.draining(node, now, timestamp) for node in every_node)
    drains = [drain for drain in found if drain is not None]
    if not drains:
        ctx.notes.success(messages.NO_DRAINING)
        return []
    recent = [d for d in drains if not d.stalled]
    if recent:
        ctx.notes.success(messages.recent(recent))
    stalled = [d for d in drains if d.stalled]
    if stalled:
        ctx.notes.warning(messages.stalled(stalled, len(drains)))
    else:
        ctx.notes.success(messages.none_stalled(len(drains)))
    return stalled


def _blocking_budgets(
    ctx: InvestigationContext, kube: Any, stalled: list[nodes.Draining]
) -> list[budgets.Blocking]:
    try:
        pdbs = kube.list_objects("policy/v1", "poddisruptionbudgets")
    except Exception as error:
        ctx.notes.warning(messages.read_failed("the PodDisruptionBudgets", one_line(error)))
        return []
    if not any(budgets.allows_no_disruption(p) for p in pdbs):
        ctx.notes.success(messages.NO_BLOCKING)
        return []
    pods = []
    for drain in stalled:  # only the stuck nodes' pods: far fewer than every pod
        try:
            pods += kube.list_objects("v1", "pods", field_selector=f"spec.nodeName={drain.name}")
        except Exception as error:
            ctx.notes.warning(messages.read_failed(f"the pods on {drain.name}", one_line(error)))
            return []
    found = budgets.blocking_budgets(pdbs, pods, OwnerResolver(kube, pods), kube.selector_matches)
    if not found:
        ctx.notes.success(messages.NO_BLOCKING)
        return []
    ctx.notes.warning(messages.blocking(found))
    customer = sum(1 for b in found if not b.platform)
    if customer:
        ctx.notes.warning(messages.customer_advice(customer))
    if len(found) - customer:
        ctx.notes.warning(messages.platform_advice(len(found) - customer))
    return found


def _node_health(
    ctx: InvestigationContext, every_node: list[dict[str, Any]], timestamp: nodes.Timestamp
) -> int:
    now = datetime.now(UTC)
    lines = []
    for node in every_node:
        if nodes.draining(node, now, timestamp) is not None:
            continue
        problems = nodes.health_problems(node)
        if problems:
            lines.append(f"{nodes.name_of(node)}: {', '.join(problems)}")
    if lines:
        ctx.notes.warning(messages.unhealthy_nodes(lines))
    else:
        ctx.notes.success(messages.HEALTHY_NODES)
    return len(lines)


def _scaling(ctx: InvestigationContext, blocking: list[budgets.Blocking], unhealthy: int) -> None:
    verdicts = [(b, *budgets.scaling_verdict(b)) for b in blocking]
    for helps in (True, False):
        lines = [f"{b.namespace}/{b.name}: {why}" for b, h, why in verdicts if h is helps]
        if lines:
            ctx.notes.warning(messages.scaling(helps, lines, unhealthy))


def _plan(ctx: InvestigationContext, reason: str) -> InvestigationResult:
    cluster_id = ctx.resource("cluster").get("id") or ctx.cluster_id
    return InvestigationResult(
        [*report_and_note(ctx, cluster_id=cluster_id), EscalateIncident(reason=reason)]
    )
