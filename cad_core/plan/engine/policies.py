"""Plan rewrites applied before anything runs. Every rewrite is recorded.

* Manual runs (no incident): incident actions are dropped.
* Infrastructure clusters (hive, management, service), or clusters whose role cannot be
  determined (fail closed): guarded actions (limited support, service logs, silence) are
  replaced by a note saying so plus an escalation.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from cad_core.errors import one_line
from cad_core.plan.actions import Action, EscalateIncident, IncidentNote
from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.run.context import ExecutionContext

INFRA_RESOURCE = "infra_cluster"


@attrs.define
class Rewritten:
    actions: list[Action]
    outcomes: list[ActionOutcome]


def join_labels(labels: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c' - duplicates removed, first-seen order kept."""
    unique = list(dict.fromkeys(labels))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


@attrs.frozen
class InfraVerdict:
    """Whether the guard applies, whether that is a confirmed fact, and why."""

    applies: bool
    confirmed: bool
    why: str


def infra_status(ctx: ExecutionContext) -> InfraVerdict:
    """A failed or impossible check counts as infrastructure (fail closed), unconfirmed."""
    if not ctx.resources.has(INFRA_RESOURCE):
        why = "no installed plugin can tell whether this is an infrastructure cluster"
        return InfraVerdict(applies=True, confirmed=False, why=why)
    try:
        is_infra = bool(ctx.resources.get(INFRA_RESOURCE))
    except Exception as error:
        ctx.log.warning("infrastructure-cluster check failed, assuming it is one: %s", error)
        why = f"the infrastructure-cluster check failed ({one_line(error)})"
        return InfraVerdict(applies=True, confirmed=False, why=why)
    why = "the cluster is an infrastructure cluster (hive, management or service)"
    return InfraVerdict(applies=is_infra, confirmed=is_infra, why=why)


def _guard_note(uncertain_reason: str, labels: str, confirmed: bool) -> str:
    if confirmed:
        opening = "⚠️ This cluster is an infrastructure cluster (hive, management or service)."
    else:
        opening = (
            f"⚠️ CAD could not confirm that this is a customer cluster: {uncertain_reason}. "
            "To be safe it is treated as an infrastructure cluster."
        )
    return (
        f"{opening} CAD held back the planned {labels} and is escalating instead. "
        "Please confirm the cluster's role and take any of those steps by hand if they "
        "are still right."
    )


def guard_infrastructure(actions: list[Action], ctx: ExecutionContext) -> Rewritten:
    guarded = [a for a in actions if a.guard_label]
    if not guarded:
        return Rewritten(actions, [])
    verdict = infra_status(ctx)
    if not verdict.applies:
        return Rewritten(actions, [])
    why, confirmed = verdict.why, verdict.confirmed
    kept = [a for a in actions if not a.guard_label]
    outcomes = [ActionOutcome(a, Status.REPLACED_BY_POLICY, reason=why) for a in guarded]
    labels = join_labels([a.guard_label for a in guarded if a.guard_label])
    note = IncidentNote(content=_guard_note(why, labels, confirmed))
    escalations = [i for i, a in enumerate(kept) if isinstance(a, EscalateIncident)]
    if escalations:  # say why before the incident is escalated, not after
        kept.insert(escalations[0], note)
    else:
        reason = f"{labels} withheld on a possible infrastructure cluster; a human needs to decide"
        # Before anything that waits for a clean plan (the title): it closes the plan.
        end = next((i for i, a in enumerate(kept) if a.needs_clean_plan), len(kept))
        kept[end:end] = [note, EscalateIncident(reason=reason)]
    return Rewritten(kept, outcomes)


def drop_incident_actions(actions: list[Action]) -> Rewritten:
    reason = "manual run: there is no incident to act on"
    kept = [a for a in actions if not a.needs_incident]
    dropped = [
        ActionOutcome(a, Status.DROPPED_BY_POLICY, reason=reason)
        for a in actions
        if a.needs_incident
    ]
    return Rewritten(kept, dropped)


def apply_policies(actions: Sequence[Action], ctx: ExecutionContext) -> Rewritten:
    result = guard_infrastructure(list(actions), ctx)
    if ctx.alert is None:
        manual = drop_incident_actions(result.actions)
        return Rewritten(manual.actions, result.outcomes + manual.outcomes)
    return result
