"""The MachineHealthCheckUnterminatedShortCircuitSRE decision table
(docs/investigations/machinehealthcheck.md).

A machine is judged first; only machines with nothing wrong of their own get their node
judged, so each machine/node pair gets one recommendation. Everything ends in a note and
an escalation: nothing here is for the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cad_core import EscalateIncident, IncidentNote, InvestigationContext, InvestigationResult
from cad_core.errors import ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_machinehealthcheck import machines, messages
from cad_machinehealthcheck.recommendations import MACHINE_NAMESPACE, Recommendations

MACHINE_API = "machine.openshift.io/v1beta1"


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
    targets = _targets(ctx, kube)
    if not targets:
        ctx.notes.warning(messages.NO_MACHINES)
        return _plan(ctx, messages.ESCALATE_NO_MACHINES)
    advice = Recommendations()
    now = datetime.now(UTC)
    nodes = _LazyNodes(ctx, kube)
    healthy = []
    for machine in targets:
        if machines.is_deleting(machine):
            machines.judge_deleting(machine, nodes.get(), now, kube.timestamp, advice)
        elif machines.is_failed(machine):
            machines.judge_failed(machine, advice)
        else:
            healthy.append(machine)
    if len(healthy) == len(targets):
        ctx.notes.success(messages.NOTHING_BROKEN)
    if healthy:
        _judge_nodes(ctx, healthy, nodes.get(), now, kube.timestamp, advice)
    if advice:
        ctx.notes.warning(messages.recommendations(advice.summary()))
    else:
        ctx.notes.success(messages.NO_ADVICE)
    return _plan(ctx, messages.ESCALATE_DONE)


def _list(
    ctx: InvestigationContext, kube: Any, resource: str, what: str, **options: Any
) -> list[dict[str, Any]] | None:
    """The objects, or None with a note saying why: as upstream, a listing that fails ends
    in a report and an escalation that say so, not in a failed run."""
    try:
        items: list[dict[str, Any]] = kube.list_objects(MACHINE_API, resource, **options)
    except Exception as error:
        ctx.notes.warning(messages.list_failed(what, one_line(error)))
        return None
    return items


def _targets(ctx: InvestigationContext, kube: Any) -> list[dict[str, Any]]:
    """The machines of every health check that may not remediate, each machine once."""
    checks = _list(
        ctx, kube, "machinehealthchecks", "MachineHealthChecks", namespace=MACHINE_NAMESPACE
    )
    if checks is None:
        return []
    stopped = [check for check in checks if not machines.remediation_allowed(check)]
    ctx.notes.line(messages.short_circuited([machines.name_of(c) for c in stopped]))
    if not stopped:
        return []
    # One listing for all checks: fewer requests than one labelled list per check.
    every = _list(ctx, kube, "machines", "machines", namespace=MACHINE_NAMESPACE) or []
    chosen: dict[str, dict[str, Any]] = {}
    for check in stopped:
        selector = (check.get("spec") or {}).get("selector")
        try:
            for machine in every:
                if kube.selector_matches(selector, machines.labels_of(machine)):
                    chosen.setdefault(machines.name_of(machine), machine)
        except ValueError as error:  # a selector the apiserver would refuse too
            ctx.notes.warning(messages.bad_selector(machines.name_of(check), str(error)))
    return list(chosen.values())


class _LazyNodes:
    """Every node, listed once and only if some machine needs its node looked at."""

    def __init__(self, ctx: InvestigationContext, kube: Any) -> None:
        self._ctx, self._kube = ctx, kube
        self._done = False
        self._nodes: Mapping[str, Any] | None = None

    def get(self) -> Mapping[str, Any] | None:
        if not self._done:
            self._done = True
            try:
                listed = self._kube.list_objects("v1", "nodes")
            except Exception as error:  # node health is extra detail: note the gap, go on
                self._ctx.notes.warning(messages.nodes_unreadable(one_line(error)))
                return None
            self._nodes = {machines.name_of(node): node for node in listed}
        return self._nodes


def _judge_nodes(
    ctx: InvestigationContext,
    healthy: list[dict[str, Any]],
    nodes: Mapping[str, Any] | None,
    now: datetime,
    timestamp: machines.Timestamp,
    advice: Recommendations,
) -> None:
    if nodes is None:
        return
    without_node = []
    for machine in healthy:
        node = nodes.get(machines.node_name_of(machine))
        if node is None:
            without_node.append(machines.name_of(machine))
            continue
        machines.judge_node(node, now, timestamp, advice)
    if without_node:
        ctx.notes.line(messages.machines_without_node(without_node))


def _plan(ctx: InvestigationContext, reason: str) -> InvestigationResult:
    cluster_id = ctx.resource("cluster").get("id") or ctx.cluster_id
    return InvestigationResult(
        [*report_and_note(ctx, cluster_id=cluster_id), EscalateIncident(reason=reason)]
    )
