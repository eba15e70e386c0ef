"""``cad report RECORD``: the HTML run report of a saved run record."""

from __future__ import annotations

import click


@click.command()
@click.argument("record")
def report(record: str) -> None:
    """Write the HTML run report of a saved RECORD (the JSON of --output json) to stdout."""
    from cad_core.cli.commands import redact_values
    from cad_core.logs import redact
    from cad_core.plugins.registry import get_registry

    from cad_report.html import load_record, render_html

    get_registry()  # only the plugins know which settings are secret: redact needs them
    click.echo(redact(render_html(redact_values(load_record(record)))), nl=False)
