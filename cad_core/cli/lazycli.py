"""What keeps the ``cad`` command cheap to start: lazy plugin commands, help width.

``cad --help`` lists plugin commands from the start-up cache
(:mod:`cad_core.plugins.startcache`); the help width is computed without ``shutil``."""

from __future__ import annotations

import sys
from typing import Any

import click


class LazyCommand(click.Command):
    """A plugin command that is imported only when it runs.

    ``cad --help`` lists every command with its one-line help, which would otherwise
    import each plugin's command module (and whatever that imports). A plugin yields
    ``Command(name="sandbox", command=LazyCommand("sandbox", "cad_sandbox.commands:sandbox",
    "Simulated services ..."))``; the module is imported when ``cad sandbox ...`` runs.
    """

    def __init__(self, name: str, target: str, help_text: str) -> None:
        # Everything after the name, --help included, is the real command's to parse.
        super().__init__(
            name,
            help=help_text,
            add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )
        self.target = target

    def load(self) -> click.Command:
        import importlib

        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # Reached only when called outside `cad` (cli.PluginGroup swaps in the real command).
        return self.load().main(ctx.args, prog_name=ctx.info_name, standalone_mode=False)


def help_width() -> int:
    """The width click would pick for help (``shutil.get_terminal_size``, at most 80,
    minus 2), without importing shutil (and, through it, bz2 and lzma) on every start."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1).columns
        except (OSError, ValueError):
            columns = 80
    return max(min(columns, 80) - 2, 50)
