"""The run report people open: one self-contained HTML page from a run record.

``render_html(body)`` takes the run record as ``--output json`` prints it (DESIGN §6,
plus the ``sandbox`` section of a sandbox run), so a live run and ``cad report
RECORD.json`` draw the same page. The page has no script and loads nothing: the style is
inline. A record may come from a file someone edited, so every value is treated as
untrusted: each string is HTML-escaped where it is written, numbers are checked before
they become positions, and a missing or mistyped field shows as empty, never as an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cad_report.style import CSS, e, items, mapping
from cad_report.waterfall import render_waterfall

# What each action status means to a person, and its colour class.
STATUS_WORDS = {
    "succeeded": ("done", "good"),
    "skipped_duplicate": ("already in place", "good"),
    "failed": ("FAILED", "bad"),
    "dry_run": ("would do (dry run)", "neutral"),
    "dropped_by_policy": ("dropped by policy", "warn"),
    "replaced_by_policy": ("held back by policy", "warn"),
    "not_run": ("not run", "bad"),
    "held_for_approval": ("held for approval", "warn"),
}
INVESTIGATION_WORDS = {
    "succeeded": "good",
    "no_findings": "neutral",
    "stopped": "warn",
    "failed": "bad",
    "filtered": "neutral",
    "not_run": "neutral",
}
# The core action types whose text reaches the customer, and the fields that hold it.
CUSTOMER_TEXTS = {
    "service_log": ("summary", "description"),
    "limited_support": ("summary", "details"),
}


def render_html(body: Mapping[str, Any]) -> str:
    """The whole page for a run record (already redacted by the caller)."""
    sandbox = mapping(body.get("sandbox"))
    sections = [
        _header(body),
        _alert(body),
        _investigations(items(body.get("investigations"))),
        _plan(items(body.get("actions"))),
        _customer_texts(items(body.get("actions"))),
        _notes(items(body.get("actions")), items(body.get("investigations")), sandbox),
        _errors(body.get("errors")),
    ]
    if sandbox:
        from cad_report.world import render_world

        sections.append(render_world(sandbox, items(body.get("actions"))))
        requests = sandbox.get("requests")
        sections.append(render_waterfall(requests if isinstance(requests, list) else []))
    title = f"CAD run report: {_title(body)}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        + "".join(sections)
        + "<footer>Written by CAD from its run record. Secrets are redacted.</footer>"
        "</body></html>\n"
    )


def _title(body: Mapping[str, Any]) -> str:
    alert = mapping(body.get("alert"))
    return str(alert.get("title") or body.get("cluster_id") or "manual run")


def _header(body: Mapping[str, Any]) -> str:
    outcome = str(body.get("outcome") or "unknown")
    colour = {"succeeded": "good", "failed": "bad"}.get(outcome, "neutral")
    mode = f"{body.get('mode') or '?'} run"
    flags = [
        word for key, word in (("dry_run", "dry run"), ("inform", "inform mode")) if body.get(key)
    ]
    runs = body.get("runs")
    if isinstance(runs, list) and len(runs) > 1:
        flags.append(f"the last of {len(runs)} runs against one world")
    suffix = f" ({', '.join(flags)})" if flags else ""
    return (
        f"<header><h1>CAD run report: {e(_title(body))}</h1>"
        f"<p class='outcome'>{e(mode + suffix)}: "
        f"<span class='badge {colour}' id='outcome'>{e(outcome)}</span></p></header>"
    )


def _facts(pairs: list[tuple[str, Any]]) -> str:
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in pairs if v not in (None, ""))
    return f"<dl class='facts'>{rows}</dl>"


def _alert(body: Mapping[str, Any]) -> str:
    alert = mapping(body.get("alert"))
    cluster = alert.get("cluster_id") or body.get("cluster_id")
    pairs: list[tuple[str, Any]] = [
        ("alert", alert.get("title")),
        ("incident", alert.get("id")),
        ("source", alert.get("source")),
        ("service", alert.get("service_name") or alert.get("service_id")),
        ("cluster", cluster or "unknown"),
        ("chain", body.get("chain") or "none"),
        ("on failure", body.get("on_failure")),
    ]
    route = body.get("route")
    steps = [str(step) for step in route] if isinstance(route, list) else []
    routes = "".join(f"<li>{e(step)}</li>" for step in steps)
    return (
        "<section id='alert'><h2>Alert and cluster</h2>"
        + _facts(pairs)
        + (f"<h3>Route</h3><ul>{routes}</ul>" if routes else "")
        + "</section>"
    )


def _investigations(investigations: list[Mapping[str, Any]]) -> str:
    if not investigations:
        return "<section id='investigations'><h2>Investigations</h2><p>None ran.</p></section>"
    blocks = []
    for inv in investigations:
        status = str(inv.get("status") or "not_run")
        colour = INVESTIGATION_WORDS.get(status, "neutral")
        attempts = inv.get("attempts")
        tries = f" after {attempts} attempts" if isinstance(attempts, int) and attempts > 1 else ""
        reasons = "".join(
            f"<p class='why'><span class='label'>{e(label)}:</span> {e(inv.get(key))}</p>"
            for key, label in (("filter", "filter"), ("stop_reason", "stopped"), ("error", "error"))
            if inv.get(key)
        )
        notes = inv.get("notes")
        lines = "\n".join(str(n) for n in notes) if isinstance(notes, list) else ""
        findings = f"<pre>{e(lines)}</pre>" if lines else "<p class='muted'>No findings.</p>"
        blocks.append(
            f"<div class='investigation'><h3>{e(inv.get('name'))} "
            f"<span class='badge {colour}'>{e(status.replace('_', ' '))}</span>{e(tries)}</h3>"
            f"{reasons}{findings}</div>"
        )
    return "<section id='investigations'><h2>Investigations</h2>" + "".join(blocks) + "</section>"


def _plan(actions: list[Mapping[str, Any]]) -> str:
    if not actions:
        return "<section id='plan'><h2>Plan</h2><p>The plan was empty.</p></section>"
    rows = []
    for number, action in enumerate(actions, start=1):
        status = str(action.get("status") or "")
        words, colour = STATUS_WORDS.get(status, (status or "unknown", "neutral"))
        why = action.get("error") or action.get("reason") or ""
        duration = action.get("duration_s")
        took = f"{duration:.2f} s" if isinstance(duration, int | float) else ""
        reason = f"<pre>{e(why)}</pre>" if why else ""
        rows.append(
            f"<tr class='action'><td class='num'>{number}</td><td>{e(_summary(action))}"
            f"<div class='muted'>{e(action.get('investigation') or '')}</div></td>"
            f"<td><span class='badge {colour}'>{e(words)}</span></td><td>{reason}</td>"
            f"<td>{e(action.get('executor') or '')}</td>"
            f"<td class='num'>{e(action.get('attempts'))}</td><td class='num'>{e(took)}</td></tr>"
        )
    return (
        "<section id='plan'><h2>Plan</h2><table class='plan'><thead><tr><th>#</th>"
        "<th>action</th><th>status</th><th>reason</th><th>executor</th><th>attempts</th>"
        "<th>time</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def _summary(action: Mapping[str, Any]) -> str:
    """One line naming the action, from its type and the payload fields people recognise."""
    kind = str(action.get("type") or "?")
    payload = mapping(action.get("payload"))
    detail = payload.get("summary") or payload.get("title") or payload.get("escalation_policy")
    severity = f" ({payload['severity']})" if payload.get("severity") else ""
    return kind.replace("_", " ") + severity + (f": {detail}" if detail else "")


def _customer_texts(actions: list[Mapping[str, Any]]) -> str:
    blocks = []
    for action in actions:
        fields = CUSTOMER_TEXTS.get(str(action.get("type")))
        if not fields:
            continue
        payload = mapping(action.get("payload"))
        words, _ = STATUS_WORDS.get(str(action.get("status")), ("?", ""))
        internal = " (internal only)" if payload.get("internal_only") is True else ""
        texts = "".join(
            f"<p class='label'>{e(field)}</p><pre>{e(payload.get(field))}</pre>" for field in fields
        )
        blocks.append(
            f"<div class='text-block'><h3>{e(_summary(action))}{e(internal)} "
            f"<span class='muted'>({e(words)})</span></h3>{texts}</div>"
        )
    if not blocks:
        return ""
    return "<section id='customer'><h2>What the customer sees</h2>" + "".join(blocks) + "</section>"


def _notes(
    actions: list[Mapping[str, Any]],
    investigations: list[Mapping[str, Any]],
    sandbox: Mapping[str, Any],
) -> str:
    """The incident notes: as the simulated PagerDuty holds them, else as the plan wrote them."""
    posted = _world_notes(sandbox)
    if posted is None:
        posted = []
        run_notes = "\n".join(
            str(n) for inv in investigations for n in (inv.get("notes") or []) if n
        )
        for action in actions:
            if action.get("type") != "incident_note":
                continue
            content = mapping(action.get("payload")).get("content")
            words, _ = STATUS_WORDS.get(str(action.get("status")), ("?", ""))
            posted.append((f"incident note ({words})", content if content else run_notes))
    if not posted:
        return ""
    blocks = "".join(
        f"<div class='text-block'><h3>{e(label)}</h3><pre>{e(text)}</pre></div>"
        for label, text in posted
    )
    return "<section id='notes'><h2>Notes posted</h2>" + blocks + "</section>"


def _world_notes(sandbox: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    incidents = mapping(mapping(mapping(sandbox.get("world")).get("pagerduty")).get("incidents"))
    if not incidents:
        return None
    notes = []
    for incident_id, incident in incidents.items():
        listed = mapping(incident).get("notes")
        for number, note in enumerate(listed if isinstance(listed, list) else [], start=1):
            text = note.get("content") if isinstance(note, Mapping) else note
            label = f"note {number} on incident {incident_id}"
            notes.append((label, text if isinstance(text, str) else json.dumps(note, default=str)))
    return notes


def _errors(errors: Any) -> str:
    listed = [str(error) for error in errors] if isinstance(errors, list) else []
    if not listed:
        return ""
    rows = "".join(f"<li><pre>{e(error)}</pre></li>" for error in listed)
    return f"<section id='errors'><h2 class='bad'>Errors</h2><ul>{rows}</ul></section>"


MAX_RECORD = 64 * 1024 * 1024  # a sandbox record with a long request log, with room to spare


def load_record(path: str) -> dict[str, Any]:
    """A saved run record (``--output json``), read bounded; not one is one BadInputError."""
    from cad_core.config.inputs import read_bounded
    from cad_core.errors import BadInputError

    data = read_bounded(path, "run record", MAX_RECORD)
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise BadInputError(f"run record {path} is not JSON: {error}") from None
    if not isinstance(body, dict) or not {"mode", "actions"} <= body.keys():
        raise BadInputError(
            f"run record {path} is not a CAD run record (the output of --output json): "
            "it needs at least 'mode' and 'actions'"
        )
    return body
