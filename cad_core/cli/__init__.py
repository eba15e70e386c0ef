"""The ``cad`` command and what keeps it cheap to start.

Before 0.2 ``cad_core.cli`` was one module; its names still load from here, with a
DeprecationWarning: import them from :mod:`cad_core.cli.commands`.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    from cad_core._moved import moved_name

    return moved_name(__name__, "commands", name)
