"""cad-sandbox plugin: adds ``cad sandbox``. Simulators load only when the command runs."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import Command, hookimpl


@hookimpl
def cad_commands() -> Iterator[Command]:
    from cad_sandbox.commands import sandbox

    yield Command(name="sandbox", command=sandbox)
