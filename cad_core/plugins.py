"""Loading plugins and resolving their registrations by key.

Plugins are modules holding hook implementations. Built-in ones load first, then entry
points of group ``cad``. A plugin that fails to import, misspells a hook or yields a
bad registration is marked failed and left out; the others keep working.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from types import ModuleType
from typing import Any

import attrs
import pluggy

from cad_core import hookspecs
from cad_core.errors import BadInputError, one_line
from cad_core.registrations import (
    ActionExecutor,
    AlertSource,
    Command,
    Investigation,
    MetricsSink,
    Resource,
)

log = logging.getLogger("cad.plugins")

BUILTIN_PLUGINS = ("cad_core.builtin",)
ENTRY_POINT_GROUP = "cad"

# hook name -> (registration class, the attribute(s) that key it)
HOOK_KINDS: dict[str, tuple[type, str]] = {
    "cad_investigations": (Investigation, "name"),
    "cad_action_executors": (ActionExecutor, "action_types"),
    "cad_metrics_sinks": (MetricsSink, "name"),
    "cad_alert_sources": (AlertSource, "name"),
    "cad_resources": (Resource, "name"),
    "cad_commands": (Command, "name"),
}


@attrs.define
class PluginInfo:
    """One plugin as ``cad plugins`` shows it."""

    name: str
    distribution: str
    version: str
    status: str = "loaded"  # loaded | failed | disabled
    error: str = ""
    hooks: list[str] = attrs.field(factory=list)

    @property
    def label(self) -> str:
        return f"{self.distribution} {self.version}".strip()


@attrs.frozen
class Registered:
    """A registration attributed to the plugin that yielded it."""

    item: Any
    plugin: PluginInfo

    @property
    def keys(self) -> tuple[str, ...]:
        _cls, attr = HOOK_KINDS[self.hook]
        value = getattr(self.item, attr)
        return tuple(value) if isinstance(value, tuple) else (value,)

    @property
    def hook(self) -> str:
        for hook, (cls, _attr) in HOOK_KINDS.items():
            if isinstance(self.item, cls):
                return hook
        raise TypeError(type(self.item).__name__)


def _disabled() -> set[str]:
    raw = os.environ.get("CAD_DISABLE_PLUGINS", "")
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


class Registry:
    """Everything the loaded plugins registered, indexed by hook and key."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.by_hook: dict[str, dict[str, list[Registered]]] = {h: {} for h in HOOK_KINDS}

    # -- loading -----------------------------------------------------------------

    def add(self, module: object, info: PluginInfo) -> None:
        """Register one plugin module; on any problem mark it failed and leave it out."""
        if info.name in self.plugins and self.plugins[info.name].status == "loaded":
            return  # the same plugin reached twice (e.g. editable and regular install)
        self.plugins[info.name] = info
        if info.name.lower() in _disabled() or info.distribution.lower() in _disabled():
            info.status = "disabled"
            return
        try:
            self.pm.register(module, name=info.name)
            self._check_hook_names(info.name)
            gathered = self._gather(info)
        except Exception as error:
            self._fail(info, error)
            return
        for reg in gathered:
            for key in reg.keys:
                self.by_hook[reg.hook].setdefault(key, []).append(reg)

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

    def _gather(self, info: PluginInfo) -> list[Registered]:
        gathered: list[Registered] = []
        for impl in self._impls_of(info.name):
            cls, _attr = HOOK_KINDS[impl[0]]
            info.hooks.append(impl[0])
            for item in impl[1]() or ():
                if not isinstance(item, cls):
                    raise BadInputError(
                        f"{impl[0]} yielded {type(item).__name__}, expected {cls.__name__}"
                    )
                gathered.append(Registered(item, info))
        return gathered

    def _impls_of(self, plugin_name: str) -> list[tuple[str, Callable[[], Iterable[Any]]]]:
        impls = []
        for hook in HOOK_KINDS:
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                if impl.plugin_name == plugin_name:
                    impls.append((hook, impl.function))
        return impls

    def _fail(self, info: PluginInfo, error: BaseException) -> None:
        info.status, info.error = "failed", one_line(error)
        log.warning("plugin %s (%s) failed to load: %s", info.name, info.label, info.error)
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)

    # -- lookups -----------------------------------------------------------------

    def registrations(self, hook: str) -> list[Registered]:
        seen: list[Registered] = []
        for regs in self.by_hook[hook].values():
            seen.extend(r for r in regs if r not in seen)
        return seen

    def unique(self, hook: str) -> dict[str, Registered]:
        """Key -> registration, for kinds where a key must have one owner."""
        return {key: _distinct(regs)[0] for key, regs in self.by_hook[hook].items()}

    def conflicts(self, selection: Mapping[str, str] | None = None) -> list[str]:
        """Every key claimed by more than one distinct registration, with the remedy."""
        problems = []
        for hook, keyed in self.by_hook.items():
            for key, regs in sorted(keyed.items()):
                distinct = _distinct(regs)
                if len(distinct) < 2:
                    continue
                if hook == "cad_action_executors" and selection and key in selection:
                    continue
                problems.append(_conflict_message(hook, key, distinct))
        return problems

    def investigation(self, name: str) -> Investigation:
        wanted = name.strip().lower()
        for reg in self.unique("cad_investigations").values():
            inv: Investigation = reg.item
            if wanted == inv.name or wanted in inv.aliases:
                return inv
        choices = "; ".join(
            f"{', '.join(r.item.aliases)} ({r.item.name})" if r.item.aliases else r.item.name
            for r in sorted(self.unique("cad_investigations").values(), key=lambda r: r.item.name)
        )
        raise BadInputError(f"unknown investigation {name!r}; installed: {choices or 'none'}")

    def executor_for(self, type_id: str, selection: Mapping[str, str] | None = None) -> Registered:
        regs = _distinct(self.by_hook["cad_action_executors"].get(type_id, []))
        if not regs:
            claimed = ", ".join(sorted(self.by_hook["cad_action_executors"])) or "none"
            raise BadInputError(
                f"no installed executor claims action type {type_id!r} "
                f"(claimed types: {claimed}); install the plugin that provides it"
            )
        chosen = (selection or {}).get(type_id)
        if chosen:
            for reg in regs:
                if reg.item.name == chosen:
                    return reg
            names = ", ".join(r.item.name for r in regs)
            raise BadInputError(
                f"executors.{type_id} selects {chosen!r}, but the claimants are: {names}"
            )
        if len(regs) > 1:
            raise BadInputError(_conflict_message("cad_action_executors", type_id, regs))
        return regs[0]

    def resources(self) -> dict[str, Resource]:
        return {key: reg.item for key, reg in self.unique("cad_resources").items()}


def _distinct(regs: list[Registered]) -> list[Registered]:
    """Drop equal duplicates: the same registration from the same distribution."""
    out: list[Registered] = []
    for reg in regs:
        if not any(
            o.item == reg.item and o.plugin.distribution == reg.plugin.distribution for o in out
        ):
            out.append(reg)
    return out


def _conflict_message(hook: str, key: str, regs: list[Registered]) -> str:
    kind = {"cad_action_executors": "action type"}.get(hook, hook.removeprefix("cad_").rstrip("s"))
    who = " and ".join(f"{r.item.name!r} ({r.plugin.label})" for r in regs)
    remedy = "uninstall one of them"
    if hook == "cad_action_executors":
        remedy += f", or pick one in the routing config: executors: {{{key}: <executor name>}}"
    return f"{kind} {key!r} is claimed by {who}; {remedy}"


def _entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _info_for(ep: metadata.EntryPoint) -> PluginInfo:
    dist = ep.dist
    name = dist.metadata["Name"] if dist is not None else ep.module
    version = dist.version if dist is not None else ""
    return PluginInfo(name=ep.name, distribution=name, version=version)


def build_registry(
    modules: Iterable[ModuleType | object] = (), *, entry_points: bool = True
) -> Registry:
    """Load built-in plugins, entry points (optional), then any given modules."""
    from cad_core import __version__

    registry = Registry()
    for path in BUILTIN_PLUGINS:
        registry.add(importlib.import_module(path), PluginInfo(path, "cad-core", __version__))
    if entry_points:
        for ep in _entry_points():
            info = _info_for(ep)
            try:
                module = ep.load()
            except Exception as error:  # a broken plugin must not take the others down
                registry.plugins[info.name] = info
                registry._fail(info, error)
                continue
            registry.add(module, info)
    for index, module in enumerate(modules):
        name = getattr(module, "__name__", f"inline-{index}")
        registry.add(module, PluginInfo(name, "inline", ""))
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


def set_registry(registry: Registry | None) -> None:
    """Replace (or with ``None`` forget) the process-wide registry; for tests and tools."""
    global _cached
    with _lock:
        _cached = registry
