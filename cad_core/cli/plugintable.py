"""``cad plugins`` for people: a compact table, or every claim with ``--verbose``.

Both fit the terminal: the table cuts its last column short (``...``) and the verbose
view wraps long lists under their kind. ``--output json`` (in ``cli.py``) is the
complete, machine-readable inventory.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

from cad_core.cli.colour import paint

HEADERS = ("PLUGIN", "VERSION", "STATUS", "PROVIDES")
# Singular and plural of each hook's kind, as the table says it.
KINDS = {
    "investigations": ("investigation", "investigations"),
    "action_executors": ("executor", "executors"),
    "alert_sources": ("alert source", "alert sources"),
    "resources": ("resource", "resources"),
    "commands": ("command", "commands"),
    "output_formats": ("output format", "output formats"),
    "filter_fields": ("filter field", "filter fields"),
    "settings": ("setting", "settings"),
    "lock_providers": ("lock provider", "lock providers"),
    "metrics_sinks": ("metrics sink", "metrics sinks"),
    "sandbox_simulators": ("simulator", "simulators"),
    "alert_plans": ("alert plan", "alert plans"),
}
NAMED = ("investigations", "commands", "alert_sources", "lock_providers")  # names say more


def table_width() -> int:
    """The terminal's width (``COLUMNS`` first); 100 when there is no terminal."""
    try:
        return max(int(os.environ["COLUMNS"]), 60)
    except (KeyError, ValueError):
        pass
    try:
        return max(os.get_terminal_size().columns, 60)
    except OSError:
        return 100


def _provides(registrations: dict[str, list[str]], room: int) -> str:
    """What a plugin provides in ``room`` characters: names where they fit, else counts."""
    named = _describe(registrations, names=True)
    return named if len(named) <= room else _describe(registrations, names=False)


def _describe(registrations: dict[str, list[str]], names: bool) -> str:
    parts = []
    for kind, claims in registrations.items():
        one, many = KINDS.get(kind, (kind, kind))
        label = one if len(claims) == 1 else many
        if names and kind in NAMED and len(claims) <= 3:
            parts.append(f"{label} {', '.join(c.split(':')[0] for c in claims)}")
        else:
            parts.append(f"{len(claims)} {label}")
    return "; ".join(parts) or "nothing"


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 3, 0)] + "..."


def render_table(inventory: dict[str, Any], width: int | None = None) -> str:
    width = width or table_width()
    plugins = inventory["plugins"]
    rows = [HEADERS[:3]] + [(p["distribution"], p["version"] or "-", p["status"]) for p in plugins]
    sizes = [max(len(row[i]) for row in rows) for i in range(3)]
    room = width - sum(sizes) - 2 * 3
    rows = [HEADERS] + [
        (*row, f"error: {p['error']}" if p["error"] else _provides(p["registrations"], room))
        for row, p in zip(rows[1:], plugins, strict=True)
    ]
    lines = [
        "  ".join(cell.ljust(size) for cell, size in zip(row[:2], sizes[:2], strict=True))
        + "  "
        + paint(row[2].ljust(sizes[2]), row[2])  # padded first: colour codes take no room
        + "  "
        + _fit(row[3], room)
        for row in rows
    ]
    failed = sum(p["status"] == "failed" for p in inventory["plugins"])
    lines.append(
        f"\n{len(inventory['plugins'])} plugins, {failed} failed. "
        "Every claim: cad plugins --verbose (or --output json)."
    )
    lines.extend(_conflicts(inventory, width))
    return "\n".join(line.rstrip() for line in lines)


def render_verbose(inventory: dict[str, Any], width: int | None = None) -> str:
    width = width or table_width()
    lines = []
    for plugin in inventory["plugins"]:
        version = f" {plugin['version']}" if plugin["version"] else ""
        lines.append(f"{plugin['distribution']}{version} [{plugin['name']}]: {plugin['status']}")
        if plugin["error"]:
            lines.extend(_wrap(f"    error: {plugin['error']}", width))
        for kind, names in plugin["registrations"].items():
            lines.extend(_wrap(f"    {kind}: {'; '.join(names)}", width))
    lines.extend(_conflicts(inventory, width))
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(
        text, width, subsequent_indent=" " * 8, break_long_words=False, break_on_hyphens=False
    )


def _conflicts(inventory: dict[str, Any], width: int) -> list[str]:
    return [line for c in inventory["conflicts"] for line in _wrap(f"CONFLICT: {c}", width)]
