"""Old module paths (before the core was grouped, 0.2): they load, with a DeprecationWarning.

``import cad_core.actions`` gives the very module ``cad_core.plan.actions`` (one module
object, so ``isinstance`` and monkeypatching agree); ``cad_core.engine.execute`` and every
other submodule of a moved package follow it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any

MOVED = {
    "actions": "plan.actions",
    "notes": "plan.notes",
    "planword": "plan.planword",
    "plans": "plan.helpers",
    "inform": "plan.inform",
    "engine": "plan.engine",
    "runner": "run.runner",
    "chains": "run.chains",
    "context": "run.context",
    "overlap": "run.overlap",
    "prefetch": "run.prefetch",
    "record": "run.record",
    "locks": "run.locks",
    "claims": "run.claims",
    "applying": "run.applying",
    "app": "run.app",
    "metrics": "run.metrics",
    "payload": "run.payload",
    "shutdown": "run.shutdown",
    "simulation": "plugins.simulation",
    "hookspecs": "plugins.hookspecs",
    "registrations": "plugins.registrations",
    "lookups": "plugins.lookups",
    "declared": "plugins.declared",
    "builtin": "plugins.builtin",
    "isolation": "plugins.isolation",
    "checks": "plugins.checks",
    "epcache": "plugins.startcache",
    "helpcache": "plugins.startcache",
    "lazycli": "cli.lazycli",
    "colour": "cli.colour",
    "plugintable": "cli.plugintable",
    "inventory": "cli.inventory",
    "render": "report.text",
    "critical_path": "report.critical_path",
    "filters": "config.filters",
    "strict_yaml": "config.strict_yaml",
    "yamlschema": "config.yamlschema",
    "inputs": "config.inputs",
}


def new_path(old: str) -> str | None:
    """The new path of an old ``cad_core.x[.y]`` module path, or None when it did not move."""
    first, _, rest = old.removeprefix("cad_core.").partition(".")
    if not old.startswith("cad_core.") or first not in MOVED:
        return None
    return "cad_core." + MOVED[first] + ("." + rest if rest else "")


def _warn(old: str, new: str) -> None:
    message = f"{old} moved to {new}; the old path goes in a future release"
    warnings.warn(message, DeprecationWarning, stacklevel=3)


class _Alias:
    # A meta path finder and its loader (duck-typed: importlib.abc costs ~10 ms to import).

    def __init__(self) -> None:
        self.real_specs: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        new = new_path(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=False)  # type: ignore[arg-type]

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = new_path(spec.name)
        assert new is not None
        _warn(spec.name, new)
        module = importlib.import_module(new)
        self.real_specs[new] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the real module: give it back.
        module.__spec__ = self.real_specs[module.__name__]


def moved_name(package: str, module: str, name: str) -> Any:
    """A name a package's former module defined, from ``package.module`` (warns once)."""
    if name.startswith("__"):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    import importlib.util

    if importlib.util.find_spec(f"{package}.{name}") is not None:
        return importlib.import_module(f"{package}.{name}")  # a submodule, not a moved name
    target = importlib.import_module(f"{package}.{module}")
    if not hasattr(target, name):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    _warn(f"{package}.{name}", f"{package}.{module}.{name}")
    value = getattr(target, name)
    setattr(sys.modules[package], name, value)  # `from package import name` asks twice
    return value


def install() -> _Alias:
    """The finder of old paths, first on ``sys.meta_path`` from now on: a submodule of an
    old package path (``cad_core.engine.execute``) must be found as the alias of the real
    one before the path finder loads a second copy from the real package's folder."""
    for finder in sys.meta_path:
        if isinstance(finder, _Alias):
            return finder
    alias = _Alias()
    sys.meta_path.insert(0, alias)
    return alias
