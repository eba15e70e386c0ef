"""cad-interceptor plugin: adds ``cad interceptor``. The server loads only when it runs."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import Command, Setting, hookimpl


@hookimpl
def cad_commands() -> Iterator[Command]:
    # Lazy: `cad --help` lists the command without importing waitress or the applications.
    from cad_core.cli.lazycli import LazyCommand

    yield Command(
        name="interceptor",
        command=LazyCommand(
            "interceptor",
            "cad_interceptor.command:interceptor",
            "Serve the Tekton interceptor: verify webhooks, route them, escalate the rest.",
        ),
    )


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_interceptor.settings import DECLARED

    yield from DECLARED
