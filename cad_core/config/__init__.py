"""The routing config and every YAML input: loader, schema converter, ``when`` filters.

Before 0.2 ``cad_core.config`` was one module; its names still load from here, with a
DeprecationWarning: import them from :mod:`cad_core.config.routing`.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    from cad_core._moved import moved_name

    return moved_name(__name__, "routing", name)
