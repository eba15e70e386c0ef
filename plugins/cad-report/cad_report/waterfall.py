"""The request log of a sandbox run as an HTML waterfall, with its critical path marked.

Each request is one row: its service, method, path and status, and a bar from its start
to its end on a time axis shared by every row. The requests of the critical path (see
:mod:`cad_core.report.critical_path`) are marked in colour *and* in words, so the mark survives
printing and colour blindness. Every string comes from a record that may have been
edited by hand: each is escaped, and positions are computed from numbers only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from cad_core.report.critical_path import critical_path

MAX_ROWS = 2000  # a page a browser still opens quickly; the rest is counted, not drawn


def timed_entries(requests: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The entries with finite numeric ``start_ms`` <= ``end_ms`` (the rest cannot be drawn)."""
    usable = []
    for entry in requests:
        if not isinstance(entry, Mapping):
            continue
        start: Any = entry.get("start_ms")
        end: Any = entry.get("end_ms")
        if _number(start) and _number(end) and start <= end:
            usable.append(entry)
    return usable


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def render_waterfall(requests: Sequence[Any]) -> str:
    """The waterfall section's HTML (empty when no request has timings)."""
    entries = timed_entries(requests)[:MAX_ROWS]
    if not entries:
        return ""
    path = critical_path(entries)
    on_path = {id(step) for step in path.steps}
    origin = min(float(e["start_ms"]) for e in entries)
    span = max(float(e["end_ms"]) for e in entries) - origin or 1.0
    ordered = sorted(entries, key=lambda e: (float(e["start_ms"]), float(e["end_ms"])))
    rows = [
        _row(number, entry, origin, span, id(entry) in on_path)
        for number, entry in enumerate(ordered, start=1)
    ]
    skipped = len(requests) - len(entries)
    summary = (
        f"<p class='summary'>Critical path: <strong>{path.round_trips} request(s) one after "
        f"another</strong>, {path.duration_ms:.0f} ms inside them, {path.span_ms:.0f} ms from "
        f"the first to the last; the whole log spans {span:.0f} ms. "
        "Rows marked <span class='cp-mark'>critical path</span> are the requests the run "
        "waited for in a row; the others overlapped with them.</p>"
    )
    note = f"<p class='muted'>{skipped} request(s) without usable timings not drawn.</p>"
    return (
        "<section id='waterfall'><h2>Request waterfall</h2>"
        + summary
        + (note if skipped else "")
        + "<table class='waterfall'><thead><tr><th>#</th><th>request</th><th>status</th><th>ms</th>"
        + f"<th class='axis'>0 &ndash; {span:.0f} ms</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _row(number: int, entry: Mapping[str, Any], origin: float, span: float, critical: bool) -> str:
    start, end = float(entry["start_ms"]) - origin, float(entry["end_ms"]) - origin
    left = min(100.0 * start / span, 99.5)
    width = max(min(100.0 * (end - start) / span, 100.0 - left), 0.5)  # an instant one shows
    kind = "critical" if critical else "write" if entry.get("write") is True else "read"
    label = f"{entry.get('service', '?')} {entry.get('method', '?')} {entry.get('path', '?')}"
    mark = "<span class='cp-mark'>critical path</span> " if critical else ""
    write = "<span class='write-mark'>write</span> " if entry.get("write") is True else ""
    return (
        f"<tr class='{kind}'><td class='num'>{number}</td>"
        f"<td class='req'>{mark}{write}<code>{escape(label)}</code></td>"
        f"<td class='num'>{escape(str(entry.get('status', '')))}</td>"
        f"<td class='num'>{end - start:.1f}</td>"
        f"<td class='bar-cell'><div class='bar {kind}' style='margin-left:{left:.3f}%;"
        f"width:{width:.3f}%' title='{start:.1f} - {end:.1f} ms'></div></td></tr>"
    )
