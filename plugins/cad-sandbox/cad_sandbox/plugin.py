"""cad-sandbox plugin: adds ``cad sandbox``. Simulators load only when the command runs."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import Command, Setting, hookimpl


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


@hookimpl
def cad_settings() -> Iterator[Setting]:
    # Read by cad_sandbox.fake_verifier, which imports only the standard library.
    yield Setting(
        "CAD_SANDBOX_EGRESS_URL", "where the sandbox's stand-in egress verifier reads its verdict"
    )
