"""Text output for people: what was found, what was done, what was skipped and why.

Marks and the outcome are coloured (:mod:`cad_core.cli.colour`).
"""

from __future__ import annotations

from cad_core.cli.colour import paint
from cad_core.plan.engine.report import Status
from cad_core.run.record import RunRecord

MARKS = {
    Status.SUCCEEDED: "done",
    Status.SKIPPED_DUPLICATE: "skipped (already in place)",
    Status.FAILED: "FAILED",
    Status.DRY_RUN: "would do",
    Status.DROPPED_BY_POLICY: "dropped",
    Status.REPLACED_BY_POLICY: "held back",
    Status.NOT_RUN: "not run",
}


def render_text(record: RunRecord) -> str:
    lines = [_headline(record)]
    if record.alert:
        a = record.alert
        lines.append(f"  alert: {a.title!r} (incident {a.id}, cluster {a.cluster_id or '?'})")
    lines.append(f"  chain: {record.chain or 'none'}")
    for step in record.route:
        lines.append(f"    route: {step}")
    for inv in record.investigations:
        lines.append(
            f"\n{inv.name}: {inv.status}"
            + (f" after {inv.attempts} attempts" if inv.attempts > 1 else "")
        )
        for reason in (inv.filter, inv.stop_reason, inv.error):
            if reason:
                lines.append(f"  because: {reason}")
        lines.extend(f"  {note}" for note in "\n".join(inv.notes).splitlines())
    if record.actions:
        lines.append("\nactions:")
    for outcome in record.actions:
        detail = outcome.error or outcome.reason
        retries = f", {outcome.attempts} attempts" if outcome.attempts > 1 else ""
        lines.append(
            f"  [{paint(MARKS.get(outcome.status, outcome.status), outcome.status)}] "
            f"{outcome.action.summary_line()}"
            f"{' via ' + outcome.executor if outcome.executor else ''}{retries}"
        )
        # Every line indented: a multi-line reason (a dry-run note's text) stays readable.
        lines.extend(f"      {line}" for line in (detail or "").splitlines())
    lines.extend(f"\nerror: {error}" for error in record.errors)
    return "\n".join(lines) + "\n"


def _headline(record: RunRecord) -> str:
    mode = f"{record.mode} run" + (" (dry run)" if record.dry_run else "")
    return f"CAD {mode}: {paint(record.outcome, record.outcome)}"
