"""Executors for the incident actions: note, silence, escalate, title.

Each has ``already_applied`` (asked by the engine before every attempt, so a retry never
repeats a write that landed), ``execute`` (the write) and ``describe`` (dry-run text).
Reasons given to silence and escalate are posted on the incident, where the responder
reads them, not only logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cad_core.errors import PermanentError
from cad_core.plan.actions import (
    EscalateIncident,
    IncidentNote,
    IncidentTitle,
    ReassignIncident,
    SilenceIncident,
)
from cad_core.plan.caps import WriteLimit, cap_line, cap_parts, cap_text
from cad_core.plan.engine.report import Status
from cad_core.plan.notes import note_text
from cad_core.plugins.registrations import ActionExecutor
from cad_core.run.context import ExecutionContext
from cad_pagerduty import incidents, settings, titles
from cad_pagerduty.errors import RESOLVED_REASON
from cad_pagerduty.source import SOURCE
from cad_pagerduty.targets import incident_id
from cad_pagerduty.targets import target as _target
from cad_pagerduty.view import view_of

SILENCE_NOTE = (
    "🤖 CAD is moving this incident to the silent escalation policy, so nobody "
    "is paged for it. Reason: {reason}"
)
# Recorded on the incident itself, so any later run can hand the incident back to people.
PREVIOUS_POLICY = "Escalation policy before CAD silenced it: {policy}"
PREVIOUS_POLICY_PATTERN = re.compile(r"Escalation policy before CAD silenced it: (\S+)")
ESCALATE_NOTE = (
    "🤖 CAD is escalating this incident so that a person can take a look. Reason: {reason}"
)
ESCALATIONS = "cad_pagerduty.escalations"
WRITE_SETTINGS = (
    settings.TOKEN,
    settings.FROM,
)  # PagerDuty wants From on every write  # ctx.shared key: incident id -> progress


# -- note size ------------------------------------------------------------------------
# PagerDuty's REST API reference documents no size for a note's content: "Create a note on
# an incident" states only that "A maximum of 2000 notes can be added to an incident"
# (PagerDuty/api-schema, reference/REST/openapiv3.json). CAD therefore keeps every note it
# posts to a conservative 10,000 characters, about what a responder reads on one screen.
NOTE_LIMIT = WriteLimit(
    "incident note content",
    10_000,
    "chosen: PagerDuty documents no limit (only 2,000 notes per incident)",
)
# Room kept at a run note's end for what matters most there: what CAD did (the report to
# read, the service log sent) and the folded silence/escalation reasons.
NOTE_END_RESERVE = 2_000


def note_tail(lines: int, characters: int) -> str:
    return (
        f"… and {lines} more lines ({characters} characters) not shown, to keep this note "
        f"under {NOTE_LIMIT.chars} characters"
    )


def fit_note(text: str) -> str:
    """Any note CAD posts, within :data:`NOTE_LIMIT`."""
    return NOTE_LIMIT.fit(text, note_tail)


def _findings_prefix(findings: str) -> str:
    """How a long run note begins once capped: the same for every run with these findings."""
    return cap_text(findings, NOTE_LIMIT.chars - NOTE_END_RESERVE, note_tail)


# -- incident_note --------------------------------------------------------------------


def _note_content(action: IncidentNote, ctx: ExecutionContext) -> str:
    # None means "the run notes", read now so that lines added by earlier actions count.
    body = note_text(action, ctx)
    folded = _folded_reasons(action, ctx)
    full = "\n\n".join([body.rstrip(), *folded]) if folded else body
    if len(full) <= NOTE_LIMIT.chars:
        return full
    # Too long: cut the findings, keep the end (what CAD did, the folded reasons).
    findings = ctx.notes.findings_text() if action.content is None else ""
    split = len(findings) if findings and full.startswith(findings) else len(full)
    head, end = full[:split], full[split:]
    return cap_parts(head, end, NOTE_LIMIT.chars, NOTE_END_RESERVE, note_tail)


def _carrier(ctx: ExecutionContext, index: int) -> IncidentNote | None:
    """The note just before plan step ``index``: it carries that step's reason."""
    for earlier in reversed(ctx.plan[:index]):
        if isinstance(earlier, IncidentNote):
            return earlier
    return None


def _will_run(ctx: ExecutionContext, index: int) -> bool:
    """Whether every prerequisite of plan step ``index`` has already taken effect."""
    wanted, found = set(ctx.plan[index].requires), set()
    for earlier in ctx.plan[:index]:
        if earlier.type_id in wanted:
            status = ctx.plan.status_of(earlier)
            if status is None or not Status(status).in_effect:
                return False
            found.add(earlier.type_id)
    return found == wanted


def _folded_reasons(action: IncidentNote, ctx: ExecutionContext) -> list[str]:
    """Reasons of the silence and escalation this note precedes, in this one note.

    One note instead of one per action spares PagerDuty requests; the silence's line also
    records the policy CAD moves the incident away from, which a later escalation reads.
    """
    lines = []
    for index, later in enumerate(ctx.plan):
        if _carrier(ctx, index) is not action or not isinstance(
            later, SilenceIncident | EscalateIncident
        ):
            continue
        if not _will_run(ctx, index):
            continue  # it posts its own line if it runs after all; never a false claim
        if isinstance(later, SilenceIncident):
            lines.append(_silence_note(later, ctx, incident_id(ctx)))
        elif later.reason:
            lines.append(ESCALATE_NOTE.format(reason=later.reason))
    return lines


def incident_note_applied(action: IncidentNote, ctx: ExecutionContext) -> str | None:
    existing = [note.strip() for note in view_of(ctx, incident_id(ctx)).notes()]
    if _note_content(action, ctx).strip() in existing:
        return "an identical note is already on the incident"
    findings = ctx.notes.findings_text()
    starts = (findings.strip(), _findings_prefix(findings).strip())
    if action.content is None and any(note.startswith(starts) for note in existing):
        # A re-run finds the same things; only the executors' lines differ (they skip).
        return "a note with the same findings is already on the incident"
    return None


def execute_incident_note(action: IncidentNote, ctx: ExecutionContext) -> None:
    view_of(ctx, incident_id(ctx)).post_note(_note_content(action, ctx))


def describe_incident_note(action: IncidentNote, ctx: ExecutionContext) -> str:
    what = "the run notes" if action.content is None else "a note"
    content = fit_note(note_text(action, ctx))
    return f"post {what} on {_target(ctx)} ({len(content)} characters):\n{content}"


# -- silence_incident -----------------------------------------------------------------


def _silence_note(action: SilenceIncident, ctx: ExecutionContext, incident_ref: str) -> str:
    # The reason is cut, never the line below it: a later escalation reads that line.
    reason = cap_line(action.reason or "no reason was given", NOTE_LIMIT.chars // 2)
    note = SILENCE_NOTE.format(reason=reason)
    previous = incidents.policy_id(view_of(ctx, incident_ref).incident())
    silent = settings.silent_policy_or_none()
    if previous and previous != silent:
        note += "\n" + PREVIOUS_POLICY.format(policy=previous)
    return note


def silence_incident_applied(action: SilenceIncident, ctx: ExecutionContext) -> str | None:
    policy = settings.silent_policy()
    incident = view_of(ctx, incident_id(ctx)).incident()
    if incidents.is_resolved(incident):
        return RESOLVED_REASON
    if incidents.policy_id(incident) == policy:
        return f"the incident is already on the silent escalation policy {policy}"
    return None


def execute_silence_incident(action: SilenceIncident, ctx: ExecutionContext) -> None:
    incident_ref, policy = incident_id(ctx), settings.silent_policy()
    settings.require_sender()  # fail before the note rather than between note and move
    view = view_of(ctx, incident_ref)
    # Usually the run notes already carried this; posted here only when they did not.
    view.post_note_once(fit_note(_silence_note(action, ctx, incident_ref)))
    titles.write_carrying_title(action, ctx, view, incidents.policy_fields(policy))


def describe_silence_incident(action: SilenceIncident, ctx: ExecutionContext) -> str:
    policy = settings.silent_policy_or_none() or f"named by {settings.SILENT_POLICY} (not set)"
    text = f"move {_target(ctx)} to the silent escalation policy {policy}"
    return text + _note_suffix(SILENCE_NOTE, action.reason)


def _note_suffix(template: str, reason: str) -> str:
    return f", after posting the note: {template.format(reason=reason)}" if reason else ""


# -- escalate_incident ----------------------------------------------------------------
# ctx.shared[ESCALATIONS][incident id] = {"target": level, "done": bool}. The target
# level is chosen once per run, so a retry after a reply that got lost re-sends the same
# level instead of climbing one more.


def _progress(ctx: ExecutionContext, incident: str, **update: Any) -> dict[str, Any]:
    with ctx.shared_lock:
        state = ctx.shared.setdefault(ESCALATIONS, {}).setdefault(incident, {})
        state.update(update)
        return dict(state)


def _silenced(incident: dict[str, Any]) -> bool:
    silent = settings.silent_policy_or_none()
    return bool(silent) and incidents.policy_id(incident) == silent


def previous_policy(notes: list[str]) -> str | None:
    """The policy CAD moved the incident away from, as its newest silence note records."""
    for note in reversed(notes):
        found = PREVIOUS_POLICY_PATTERN.findall(note)
        if found:
            return str(found[-1])
    return None


def escalate_incident_applied(action: EscalateIncident, ctx: ExecutionContext) -> str | None:
    incident_ref = incident_id(ctx)
    progress = _progress(ctx, incident_ref)
    if progress.get("done"):
        return "CAD already escalated this incident earlier in this run"
    view = view_of(ctx, incident_ref)
    incident = view.incident()
    level = incidents.escalation_level(incident)
    if incidents.is_resolved(incident):
        return RESOLVED_REASON
    if _silenced(incident):
        return None  # nobody is paged on the silent policy: hand it back, then escalate
    if progress.get("target") and level >= progress["target"]:
        _progress(ctx, incident_ref, done=True)
        return f"the incident is already at escalation level {level}"
    line = fit_note(ESCALATE_NOTE.format(reason=action.reason))
    if level > 1 and action.reason and view.has_line(line, earlier_only=True):
        # An earlier run posted this reason and the incident has moved up since.
        return f"CAD already escalated this incident for this reason (now at level {level})"
    if not progress.get("target"):  # chosen here, once: execute() need not read it again
        _progress(ctx, incident_ref, target=level + 1)
    return None


def _hand_back(incident_ref: str, ctx: ExecutionContext) -> None:
    """Return a silenced incident to the policy it had before CAD silenced it."""
    view = view_of(ctx, incident_ref)
    previous = previous_policy(view.notes())
    if previous is None:
        raise PermanentError(
            "the incident is on the silent escalation policy and CAD found no record of the "
            "policy it had before; move it to a paging policy by hand"
        )
    # A policy starts again at its first level; escalating then pages its second. Chosen
    # before the move, so a retry after a lost reply does not climb from the wrong level.
    _progress(ctx, incident_ref, target=2)
    view.write(incidents.move_to_policy, incident_ref, previous)
    ctx.log.info("moved incident %s back to escalation policy %s", incident_ref, previous)


def execute_escalate_incident(action: EscalateIncident, ctx: ExecutionContext) -> None:
    incident_ref = incident_id(ctx)
    settings.require_sender()
    view = view_of(ctx, incident_ref)
    if _silenced(view.incident()):
        _hand_back(incident_ref, ctx)
    level = _progress(ctx, incident_ref).get("target")
    if level is None:
        level = incidents.escalation_level(view.incident()) + 1
        _progress(ctx, incident_ref, target=level)
    if action.reason:
        view.post_note_once(fit_note(ESCALATE_NOTE.format(reason=action.reason)))
    titles.write_carrying_title(action, ctx, view, {"escalation_level": level})
    _progress(ctx, incident_ref, done=True)


def describe_escalate_incident(action: EscalateIncident, ctx: ExecutionContext) -> str:
    text = (
        f"escalate {_target(ctx)} to its next escalation level (first handing it back to "
        "its earlier policy if CAD had silenced it)"
    )
    return text + _note_suffix(ESCALATE_NOTE, action.reason)


# -- incident_reassign ----------------------------------------------------------------
# The note is posted after the move and is what marks the move as CAD's: a later run must
# not pull back an incident that was silenced or moved on since (the note is then there).

REASSIGN_NOTE = "🤖 CAD routed this incident to escalation policy {policy}: {reason}"


def _reassign_note(action: Any) -> str:
    return fit_note(
        REASSIGN_NOTE.format(
            policy=action.escalation_policy, reason=action.reason or "no reason given"
        )
    )


def reassign_already_applied(action: Any, ctx: ExecutionContext) -> str | None:
    view = view_of(ctx, incident_id(ctx))
    if incidents.is_resolved(view.incident()):
        return RESOLVED_REASON
    if view.has_line(_reassign_note(action)):
        return f"CAD already routed this incident to escalation policy {action.escalation_policy}"
    return None


def reassign_execute(action: Any, ctx: ExecutionContext) -> None:
    incident_ref = incident_id(ctx)
    settings.require_sender()
    view = view_of(ctx, incident_ref)
    if incidents.policy_id(view.incident()) != action.escalation_policy:
        view.write(incidents.move_to_policy, incident_ref, action.escalation_policy)
    view.post_note_once(_reassign_note(action))


def reassign_describe(action: Any, ctx: ExecutionContext) -> str:
    return (
        f"move {_target(ctx)} to escalation policy {action.escalation_policy}, then post the "
        f"note: {_reassign_note(action)}"
    )


NEEDS_INCIDENT = (SilenceIncident, EscalateIncident, IncidentTitle, ReassignIncident)
NEEDS_NOTES = (IncidentNote, SilenceIncident, EscalateIncident, ReassignIncident)


def warm_up_incident(action: Any, ctx: ExecutionContext) -> None:
    """Read what the plan's checks need (the incident, its notes) when the plan starts."""
    if ctx.alert is None or ctx.alert.source != SOURCE:
        return
    incident = any(isinstance(a, NEEDS_INCIDENT) for a in ctx.plan)
    notes = any(isinstance(a, NEEDS_NOTES) for a in ctx.plan)
    view_of(ctx, incident_id(ctx)).warm(incident=incident, notes=notes)


def registrations() -> Iterator[ActionExecutor]:
    yield ActionExecutor(
        name="pagerduty-note",
        action_types=(IncidentNote.type_id,),
        execute=execute_incident_note,
        settings=WRITE_SETTINGS,
        already_applied=incident_note_applied,
        describe=describe_incident_note,
        warm_up=warm_up_incident,
    )
    yield ActionExecutor(
        name="pagerduty-silence",
        action_types=(SilenceIncident.type_id,),
        execute=execute_silence_incident,
        settings=(*WRITE_SETTINGS, settings.SILENT_POLICY),
        already_applied=silence_incident_applied,
        describe=describe_silence_incident,
        warm_up=warm_up_incident,
    )
    yield ActionExecutor(
        name="pagerduty-escalate",
        action_types=(EscalateIncident.type_id,),
        execute=execute_escalate_incident,
        settings=WRITE_SETTINGS,
        already_applied=escalate_incident_applied,
        describe=describe_escalate_incident,
        warm_up=warm_up_incident,
    )
    yield ActionExecutor(
        name="pagerduty-reassign",
        action_types=(ReassignIncident.type_id,),
        execute=reassign_execute,
        already_applied=reassign_already_applied,
        describe=reassign_describe,
        warm_up=warm_up_incident,
    )
    yield ActionExecutor(
        name="pagerduty-title",
        action_types=(IncidentTitle.type_id,),
        execute=titles.execute_incident_title,
        settings=WRITE_SETTINGS,
        already_applied=titles.incident_title_applied,
        describe=titles.describe_incident_title,
        warm_up=warm_up_incident,
    )
