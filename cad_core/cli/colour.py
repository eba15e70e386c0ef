"""Colour for people: only when stdout is a terminal, never with ``NO_COLOR`` set.

:func:`paint` styles a word by the status it names; :func:`echo` prints through click,
which drops the styles when stdout is not a terminal, and drops them always when
``NO_COLOR`` is set (https://no-color.org). Small on purpose: ``cad plugins`` uses it
without loading the run record's modules.
"""

from __future__ import annotations

import os

import click

COLOURS = {
    # action statuses (cad_core.plan.engine.report.Status values)
    "succeeded": "green",
    "skipped_duplicate": "green",
    "failed": "red",
    "dry_run": "cyan",
    "dropped_by_policy": "yellow",
    "replaced_by_policy": "yellow",
    "held_for_approval": "yellow",
    "not_run": "red",
    # plugin statuses
    "loaded": "green",
    "disabled": "yellow",
}


def paint(text: str, key: str) -> str:
    """``text`` in the colour of ``key`` (a status); unknown keys stay plain."""
    colour = COLOURS.get(key)
    return click.style(text, fg=colour, bold=True if colour == "red" else None) if colour else text


def echo(text: str) -> None:
    """Print for a person: colour only on a terminal, and never with ``NO_COLOR`` set."""
    click.echo(text, color=False if os.environ.get("NO_COLOR") else None)
