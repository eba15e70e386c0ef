"""Small plan-building helpers shared by investigations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import attrs

from cad_core.plan.actions import Action, ClusterReport, IncidentNote, SilenceIncident
from cad_core.run.context import InvestigationContext

A = TypeVar("A", bound=Action)


def requiring(action: A, *prerequisites: Action) -> A:
    """``action``, runnable only once every prerequisite (earlier in the plan) is in effect.

    Example: ``requiring(SilenceIncident(reason=...), limited_support)``.
    """
    wanted = (*action.requires, *(p.type_id for p in prerequisites))
    return attrs.evolve(action, requires=wanted)


def silence_after(justification: Action, reason: str) -> list[Action]:
    """The action that justifies silencing (a limited support, a service log), then the
    silence, which runs only if that action took effect.

    CAD never silences what it neither fixed nor told: if the customer was not told, a
    person must still be paged.
    """
    return [justification, requiring(SilenceIncident(reason=reason), justification)]


def report_and_note(ctx: InvestigationContext, cluster_id: str | None = None) -> list[Action]:
    """A cluster report holding the notes as they are now, then the incident note.

    The report's data is a snapshot taken at planning time; the note is resolved at
    execution time, so it also carries the lines executors append (report created,
    service log sent, ...).
    """
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return [
        ClusterReport(
            cluster_id=cluster_id or ctx.cluster_id,
            summary=f"{stamp} : {ctx.name}",
            data=ctx.notes.text(),
        ),
        IncidentNote(),
    ]
