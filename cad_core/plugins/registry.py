"""Loading plugins and resolving their registrations by key.

Plugins are modules holding hook implementations. Built-in ones load first, then entry
points of group ``cad``. A plugin that fails to import, misspells a hook or yields a
bad registration is marked failed and left out; the others keep working.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import attrs
import pluggy

from cad_core.errors import BadInputError, one_line
from cad_core.plugins import hookspecs
from cad_core.plugins.epcache import CachedEntryPoint, cached_entry_points
from cad_core.plugins.epcache import load as load_entry_point
from cad_core.plugins.lookups import Lookups, Registered

__all__ = [
    "HOOK_KINDS",
    "PluginInfo",
    "Registered",
    "Registry",
    "build_registry",
    "get_registry",
    "set_registry",
]
BUILTIN_PLUGINS = ("cad_core.plugins.builtin",)
ENTRY_POINT_GROUP = "cad"

HOOK_KINDS = hookspecs.HOOKS  # hook name -> (registration class, the attribute that keys it)


@attrs.define
class PluginInfo:
    """One plugin as ``cad plugins`` shows it.

    ``source`` is the installed distribution's ``*.dist-info`` folder, or a
    ``(name, version)`` pair; metadata is parsed only when asked for, since `cad --help`
    never needs it.
    """

    name: str
    source: Any
    status: str = "loaded"  # loaded | failed | disabled
    error: str = ""
    hooks: list[str] = attrs.field(factory=list)
    module: str = ""  # the plugin's module: the action types its package defines are its own
    _resolved: tuple[str, str] | None = None

    def _resolve(self) -> tuple[str, str]:
        if self._resolved is None:
            if isinstance(self.source, tuple):
                self._resolved = self.source
            elif self.source is None:
                self._resolved = (self.name, "")
            else:  # a *.dist-info folder: importlib.metadata loads only when needed
                from importlib.metadata import PathDistribution
                from pathlib import Path

                dist = PathDistribution(Path(self.source))
                self._resolved = (dist.metadata["Name"], dist.version)
        return self._resolved

    @property
    def distribution(self) -> str:
        return self._resolve()[0]

    @property
    def version(self) -> str:
        return self._resolve()[1]

    @property
    def label(self) -> str:
        return f"{self.distribution} {self.version}".strip()


def _disabled() -> set[str]:
    from cad_core.settings import setting_values

    return {part.lower() for part in setting_values("CAD_DISABLE_PLUGINS")}


def _is_disabled(info: PluginInfo, disabled: set[str]) -> bool:
    names = {info.name.lower(), info.distribution.lower()}
    return bool({n.replace("_", "-") for n in names} & {d.replace("_", "-") for d in disabled})


class Registry(Lookups):
    """Everything the loaded plugins registered, indexed by hook and key."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        # Hooks are called on first use, per hook: `cad --help` only needs cad_commands,
        # so it never imports the plugins' investigation or executor code.
        self._gathered: dict[str, dict[str, list[Registered]]] = {}
        self._gather_lock = threading.RLock()

    # -- loading -----------------------------------------------------------------

    def add(self, module: object, info: PluginInfo) -> None:
        """Register one plugin module; on any problem mark it failed and leave it out."""
        if info.name in self.plugins and self.plugins[info.name].status == "loaded":
            return  # the same plugin reached twice (e.g. editable and regular install)
        self.plugins[info.name] = info
        info.module = info.module or str(getattr(module, "__name__", ""))
        disabled = _disabled()
        if disabled and _is_disabled(info, disabled):
            info.status = "disabled"
            return
        try:
            self.pm.register(module, name=info.name)
            self._check_hook_names(info.name)
        except Exception as error:
            self._fail(info, error)
            return
        info.hooks = [hook for hook, _ in self._impls_of(info.name)]
        self._gathered.clear()  # a later plugin may add to hooks already gathered

    def _check_hook_names(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        for attr in dir(plugin):
            if attr.startswith("cad_") and attr not in hookspecs.HOOK_NAMES:
                impl = getattr(plugin, attr)
                if callable(impl) and hasattr(impl, "cad_impl"):
                    known = ", ".join(hookspecs.HOOK_NAMES)
                    raise BadInputError(f"hook {attr!r} is not a CAD hook (known: {known})")
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            raise BadInputError(str(error)) from None

    def keyed(self, hook: str) -> dict[str, list[Registered]]:
        """Key -> registrations for one hook, calling the plugins' hook on first use."""
        with self._gather_lock:
            if hook not in self._gathered:
                self._gather_hook(hook)
            return self._gathered[hook]

    def _gather_hook(self, hook: str) -> None:
        cls, _attr = HOOK_KINDS[hook]
        keyed: dict[str, list[Registered]] = {}
        for impl in getattr(self.pm.hook, hook).get_hookimpls():  # in registration order
            info = self.plugins[impl.plugin_name]
            try:
                items = [item for item in impl.function() or ()]
                for item in items:
                    if not isinstance(item, cls):
                        raise BadInputError(
                            f"{hook} yielded {type(item).__name__}, expected {cls.__name__}"
                        )
            except Exception as error:  # this plugin is out; the others keep working
                self._fail(info, error)
                continue
            for item in items:
                reg = Registered(item, info)
                for key in reg.keys:
                    keyed.setdefault(key, []).append(reg)
        self._gathered[hook] = keyed

    def _impls_of(self, plugin_name: str) -> list[tuple[str, Callable[[], Iterable[Any]]]]:
        impls = []
        for hook in HOOK_KINDS:
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                if impl.plugin_name == plugin_name:
                    impls.append((hook, impl.function))
        return impls

    def _fail(self, info: PluginInfo, error: BaseException) -> None:
        info.status, info.error = "failed", one_line(error)
        import logging  # only on this rare path: `cad --help` never pays for it

        logging.getLogger("cad.plugins").warning(
            "plugin %s (%s) failed to load: %s", info.name, info.label, info.error
        )
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)
        for keyed in self._gathered.values():  # drop what it registered for other hooks
            for key in list(keyed):
                keyed[key] = [r for r in keyed[key] if r.plugin is not info]
                if not keyed[key]:
                    del keyed[key]


def _info_for(ep: CachedEntryPoint) -> PluginInfo:
    module = ep.value.partition(":")[0].strip()
    if ep.dist_path is None:
        return PluginInfo(name=ep.name, source=(module, ""), module=module)
    return PluginInfo(name=ep.name, source=ep.dist_path, module=module)


def build_registry(
    modules: Iterable[ModuleType | object] = (), *, entry_points: bool = True
) -> Registry:
    """Load built-in plugins, entry points (optional), then any given modules."""
    from cad_core import __version__

    registry = Registry()
    for path in BUILTIN_PLUGINS:
        registry.add(importlib.import_module(path), PluginInfo(path, ("cad-core", __version__)))
    if entry_points:
        disabled = _disabled()
        for ep in cached_entry_points(ENTRY_POINT_GROUP):
            info = _info_for(ep)
            if disabled and _is_disabled(info, disabled):
                info.status = "disabled"
                registry.plugins.setdefault(info.name, info)
                continue  # never imported: its import errors and registrations stay out
            try:
                module = load_entry_point(ep)
            except Exception as error:  # a broken plugin must not take the others down
                registry.plugins[info.name] = info
                registry._fail(info, error)
                continue
            registry.add(module, info)
    for index, module in enumerate(modules):
        name = getattr(module, "__name__", f"inline-{index}")
        registry.add(module, PluginInfo(name, ("inline", "")))
    return registry


_lock = threading.Lock()
_cached: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = build_registry()
        return _cached


def current_registry() -> Registry | None:
    """The process-wide registry if it is built, without building it (safe while logging)."""
    return _cached


def set_registry(registry: Registry | None) -> None:
    """Replace (or with ``None`` forget) the process-wide registry; for tests and tools."""
    global _cached
    with _lock:
        _cached = registry
