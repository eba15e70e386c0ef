"""cad-sandbox plugin: adds ``cad sandbox``. Simulators load only when the command runs."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import Command, hookimpl


@hookimpl
def cad_commands() -> Iterator[Command]:
    # Lazy: `cad --help` lists the command without importing cad_sandbox.commands (and,
    # through it, importlib.resources, the scenario loader and the simulators).
    from cad_core.cli.lazycli import LazyCommand

    yield Command(
        name="sandbox",
        command=LazyCommand(
            "sandbox",
            "cad_sandbox.commands:sandbox",
            "Loopback simulators of the services CAD talks to, for trying CAD without accounts.",
        ),
    )
