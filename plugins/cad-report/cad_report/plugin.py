"""cad-report plugin: ``--output html`` and ``cad report``. The renderer loads when used."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cad_core import Command, OutputFormat, hookimpl


def _html(record: Mapping[str, Any]) -> str:
    from cad_report.html import render_html

    return render_html(record)


@hookimpl
def cad_output_formats() -> Iterator[OutputFormat]:
    yield OutputFormat(name="html", render=_html, description="the HTML run report")


@hookimpl
def cad_commands() -> Iterator[Command]:
    from cad_core.cli.lazycli import LazyCommand

    yield Command(
        name="report",
        command=LazyCommand(
            "report",
            "cad_report.command:report",
            "Write the HTML run report of a saved RECORD (the JSON of --output json) to stdout.",
        ),
    )
