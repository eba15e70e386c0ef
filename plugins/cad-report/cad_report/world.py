"""The sandbox part of the run report: the simulated world afterwards and the writes.

It reads the ``sandbox`` section of a sandbox run's record (DESIGN §7): the world's
PagerDuty incidents, OCM clusters and backplane reports, the request log, and the words
the sandbox chose for each incident's fate (``sandbox.incidents``: "silenced",
"escalated to level 2"; only in the live report, as the JSON keeps DESIGN §7's shape:
a saved record's fate is told from the plan instead). Like the rest of the report,
every value is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_report.style import e, items, mapping


def render_world(sandbox: Mapping[str, Any], plan: list[Mapping[str, Any]]) -> str:
    world = mapping(sandbox.get("world"))
    fates = mapping(sandbox.get("incidents")) or _fates_from_plan(plan)
    lines = []
    for incident_id, incident in mapping(mapping(world.get("pagerduty")).get("incidents")).items():
        incident = mapping(incident)
        fate = fates.get(incident_id) or fates.get("*")
        lines.append(
            f"<li>PagerDuty incident <code>{e(incident_id)}</code> "
            f"&ldquo;{e(incident.get('title'))}&rdquo;: "
            + (f"<strong class='fate'>{e(fate)}</strong> " if fate else "")
            + f"<span class='muted'>(status {e(incident.get('status'))}, escalation policy "
            f"{e(incident.get('escalation_policy'))}, level {e(incident.get('escalation_level'))},"
            f" {_count(incident.get('notes'))} note(s))</span></li>"
        )
    for cluster_id, cluster in mapping(mapping(world.get("ocm")).get("clusters")).items():
        cluster = mapping(cluster)
        changes = [
            f"limited support: {r.get('summary')}"
            for r in items(cluster.get("limited_support_reasons"))
        ] + [
            f"service log ({log.get('severity')}): {log.get('summary')}"
            for log in items(cluster.get("service_logs"))
            if log.get("log_type") != "cluster-state-updates"
        ]
        inner = "".join(f"<li>{e(change)}</li>" for change in changes) or "<li>no change</li>"
        lines.append(f"<li>OCM cluster <code>{e(cluster_id)}</code><ul>{inner}</ul></li>")
    for report in items(mapping(world.get("backplane")).get("reports")):
        lines.append(f"<li>backplane report: {e(report.get('summary'))}</li>")
    return (
        "<section id='world'><h2>The simulated world afterwards</h2>"
        f"<ul>{''.join(lines)}</ul>{_writes(sandbox.get('requests'))}</section>"
    )


def _writes(requests: Any) -> str:
    entries = items(requests)
    writes = [r for r in entries if r.get("write") is True]
    listed = "".join(
        f"<li><code>{e(w.get('service'))} {e(w.get('method'))} {e(w.get('path'))}</code>"
        f" &rarr; {e(w.get('status'))}</li>"
        for w in writes
    )
    head = f"<h3>{len(entries)} requests, {len(writes)} of them writes</h3>"
    return head + (f"<ol class='writes'>{listed}</ol>" if listed else "")


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def _fates_from_plan(plan: list[Mapping[str, Any]]) -> dict[str, str]:
    """Words for the incident from the actions that took effect (a saved record's report)."""
    done = {a.get("type") for a in plan if a.get("status") in ("succeeded", "skipped_duplicate")}
    words = "silenced" if "silence_incident" in done else ""
    words = words or ("escalated" if "escalate_incident" in done else "")
    return {"*": words} if words else {}
