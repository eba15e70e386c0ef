"""``cad sandbox run --critical-path``: the text of the core's critical path.

The definition and the algorithm are in :mod:`cad_core.report.critical_path` (the HTML run
report draws the path too); its names stay importable from here.
"""

from __future__ import annotations

from cad_core.report.critical_path import (
    STEP_KEYS,
    CriticalPath,
    Entry,
    critical_path,
    duration_ms,
    waited_for,
)

__all__ = [
    "STEP_KEYS",
    "CriticalPath",
    "Entry",
    "critical_path",
    "duration_ms",
    "render_critical_path",
    "waited_for",
]


def render_critical_path(path: CriticalPath) -> str:
    """Text for ``cad sandbox run --critical-path``: a summary line, then one line a step."""
    lines = [
        f"\ncritical path: {path.round_trips} round trip(s) one after another, "
        f"{path.duration_ms:.0f} ms inside them, {path.span_ms:.0f} ms from first to last"
    ]
    for number, step in enumerate(path.steps, start=1):
        lines.append(
            f"  {number:>3}. {step['start_ms']:>9.1f} - {step['end_ms']:>9.1f} ms  "
            f"{step['service']:<10} {step['method']:<6} {step['path']} -> {step['status']}"
        )
    return "\n".join(lines) + "\n"
