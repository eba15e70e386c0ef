"""Plugins: the hooks, their registration objects, loading and the typed registry.

Before 0.2 ``cad_core.plugins`` was one module; its names still load from here, with a
DeprecationWarning: import them from :mod:`cad_core.plugins.registry`.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    from cad_core._moved import moved_name

    return moved_name(__name__, "registry", name)
