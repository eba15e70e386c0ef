"""Small plan-building helpers shared by investigations."""

from __future__ import annotations

from datetime import UTC, datetime

from cad_core.actions import Action, ClusterReport, IncidentNote
from cad_core.context import InvestigationContext


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
