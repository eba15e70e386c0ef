"""Loading plugins and resolving their registrations by key.

Plugins are modules holding hook implementations. Built-in ones load first, then entry
points of group ``cad``. A plugin that fails to import, misspells a hook or yields a
bad registration is marked failed and left out; the others keep working.

An entry-point plugin whose start-up cache entry holds is not imported: its registrations
are rebuilt from the cache (:mod:`cad_core.plugins.shadows`) and it is imported on the
first call of one of its callables, or when a hook the cache does not hold is gathered.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import attrs
import pluggy

import cad_core.plugins.hookspecs as hookspecs
from cad_core.errors import BadInputError, one_line
from cad_core.plugins.lazyload import CachedPlugins, Source
from cad_core.plugins.lookups import Lookups, Registered
from cad_core.plugins.shadows import PluginChanged, Unrepresentable, encode
from cad_core.plugins.startcache import EntryPoint, StartCache
from cad_core.plugins.startcache import load as load_entry_point

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

HOOK_KINDS = hookspecs.HOOKS  # hook name -> (registration class or its path, the key attribute)


@attrs.define
class PluginInfo:
    """One plugin as ``cad plugins`` shows it.

    ``source`` is its distribution's ``(name, version)`` (for entry points, as the start-up
    cache read them from the metadata), or None.
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
                self._resolved = (str(self.source[0]), str(self.source[1]))
            else:
                self._resolved = (self.name, "")
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


def _shadow(item: object) -> Any:
    try:
        return encode(item)
    except Unrepresentable:
        return None


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
        # What each plugin registered, by hook, once known (from the cache or a scan).
        self.prepared: dict[str, dict[str, list[Any]]] = {}
        self.lazy: dict[str, EntryPoint] = {}  # known from the cache, not imported (yet)
        self.cached: CachedPlugins | None = None
        self._real: dict[tuple[str, str], list[Any]] = {}

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
        gathered = self._gathered.get(hook)
        if gathered is not None:  # no lock: a thread importing a plugin must not stall logging
            return gathered
        with self._gather_lock:
            if hook not in self._gathered:
                self._gather_hook(hook)
            return self._gathered[hook]

    def _gather_hook(self, hook: str) -> None:
        keyed: dict[str, list[Registered]] = {}
        for info in list(self.plugins.values()):  # in registration order
            for item in self._items(info, hook):
                reg = Registered(item, info, hook)
                for key in reg.keys:
                    keyed.setdefault(key, []).append(reg)
        self._gathered[hook] = keyed

    def _items(self, info: PluginInfo, hook: str) -> list[Any]:
        """What ``info`` registers for ``hook``: known already, or by calling it now."""
        prepared = self.prepared.get(info.name, {})
        if info.status != "loaded" or hook not in info.hooks:
            return []
        if hook not in prepared:
            try:
                return self._call(info, hook)
            except Exception as error:  # this plugin is out; the others keep working
                self._fail(info, error)
                return []
        return prepared[hook]

    def _call(self, info: PluginInfo, hook: str) -> list[Any]:
        """Call one plugin's hook (importing it first if only the cache knew it)."""
        if info.name in self.lazy:
            self._import(info)
        cls = hookspecs.registration_class(hook)
        items = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == info.name:
                items = [item for item in impl.function() or ()]
        for item in items:
            if not isinstance(item, cls):
                wrong = type(item).__name__
                raise BadInputError(f"{hook} yielded {wrong}, expected {cls.__name__}")
        return items

    def _import(self, info: PluginInfo) -> None:
        entry = self.lazy.pop(info.name)
        self.pm.register(load_entry_point(entry), name=info.name)
        self._check_hook_names(info.name)

    def real_field(self, source: Source, field: str) -> Any:
        """The real callable behind a cached registration's ``field``: imports the plugin,
        calls its hook once, and checks it registers exactly what the cache said."""
        plugin, hook, index = source.key
        with self._gather_lock:
            if (plugin, hook) not in self._real:
                self._real[plugin, hook] = self._checked_call(plugin, hook)
            return getattr(self._real[plugin, hook][index], field)

    def _checked_call(self, plugin: str, hook: str) -> list[Any]:
        info = self.plugins[plugin]
        cached = [_shadow(item) for item in self.prepared.get(plugin, {}).get(hook, [])]
        try:
            if info.status != "loaded":
                raise RuntimeError(info.error)
            items = self._call(info, hook)
        except Exception as error:
            if info.status == "loaded":
                self._fail(info, error)  # reported like any plugin that fails
            raise PluginChanged(
                f"plugin {plugin} ({info.label}) failed to load: {one_line(error)}"
            ) from error
        if [_shadow(item) for item in items] != cached:
            if self.cached is not None:
                self.cached.stale(plugin)
            raise PluginChanged(
                f"plugin {plugin} ({info.label}) no longer registers what the start-up cache "
                f"recorded for {hook}; the cache entry is dropped, run again"
            )
        return items

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
        self.prepared.pop(info.name, None)
        self.lazy.pop(info.name, None)
        for hook, keyed in list(self._gathered.items()):  # drop what it registered elsewhere
            kept = {key: [r for r in regs if r.plugin is not info] for key, regs in keyed.items()}
            # A new dict, never one changed in place: readers take these without the lock.
            self._gathered[hook] = {key: regs for key, regs in kept.items() if regs}


def build_registry(
    modules: Iterable[ModuleType | object] = (), *, entry_points: bool = True, scan: bool = True
) -> Registry:
    """Load built-in plugins, entry points (optional), then any given modules.

    A plugin without a cache entry that holds is imported and, with ``scan``, every hook
    of it called at once to write its entry; ``cad --help`` passes ``scan=False`` so a
    change costs it no more than the plugin modules (hooks are then called on first use).
    """
    from cad_core import __version__

    registry = Registry()
    for path in BUILTIN_PLUGINS:
        registry.add(importlib.import_module(path), PluginInfo(path, ("cad-core", __version__)))
    if entry_points:
        _add_entry_points(registry, scan)
    for index, module in enumerate(modules):
        name = getattr(module, "__name__", f"inline-{index}")
        registry.add(module, PluginInfo(name, ("inline", "")))
    return registry


def _add_entry_points(registry: Registry, scan: bool) -> None:
    cached = registry.cached = CachedPlugins(registry, StartCache.load())
    disabled = _disabled()
    for ep in cached.cache.entry_points:
        info = PluginInfo(ep.name, (ep.distribution, ep.version), module=ep.module)
        if disabled and _is_disabled(info, disabled):
            info.status = "disabled"
            registry.plugins.setdefault(info.name, info)
            continue  # never imported: its import errors and registrations stay out
        entry = cached.cache.entry(ep)
        if entry is not None and cached.add(info, ep, entry):
            continue
        try:
            module = load_entry_point(ep)
        except Exception as error:  # a broken plugin must not take the others down
            registry.plugins[info.name] = info
            registry._fail(info, error)
        else:
            registry.add(module, info)
        if scan:
            cached.scan(info, ep)
    cached.cache.save()


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
