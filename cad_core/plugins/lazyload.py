"""The registry's side of the start-up cache: plugins registered without being imported.

A plugin whose cache entry holds is registered from it; a plugin imported afresh is
scanned and its entry written back (see :mod:`cad_core.plugins.startcache`)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import TYPE_CHECKING, Any

from cad_core.plugins.hookspecs import HOOKS, registration_class
from cad_core.plugins.lookups import COMMAND_ONLY_HOOKS
from cad_core.plugins.shadows import Unrepresentable, decode, encode
from cad_core.plugins.startcache import HELP_FIELDS, EntryPoint, StartCache, package_files

if TYPE_CHECKING:
    from cad_core.plugins.registry import PluginInfo, Registry


class Source:
    """Where a cached registration's callables come from: the plugin's hook, by position.

    Equal for one registration of one plugin, like the real callables would be."""

    def __init__(self, registry: Registry, plugin: str, hook: str, index: int) -> None:
        self.registry = registry
        self.key = (plugin, hook, index)

    def __call__(self, field: str) -> Any:
        return self.registry.real_field(self, field)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return "{} #{} of plugin {}".format(*reversed(self.key))


class CachedPlugins:
    """The registry's side of the start-up cache: entries in, scans out."""

    def __init__(self, registry: Registry, cache: StartCache) -> None:
        self.registry, self.cache = registry, cache

    def add(self, info: PluginInfo, ep: EntryPoint, entry: dict[str, Any]) -> bool:
        """Register a plugin from its cache entry, without importing it; False when the
        entry cannot be used (it is then scanned again)."""
        registry = self.registry
        if entry.get("partial"):
            return False  # written by `cad --help`: commands only
        try:
            hooks = [str(hook) for hook in entry["hooks"]]
            if not set(hooks) <= set(HOOKS):
                raise TypeError("an unknown hook")
            status, error = str(entry["status"]), str(entry["error"])
            prepared = {}
            for hook, shadows in dict(entry["registrations"]).items():
                if hook not in hooks or hook in COMMAND_ONLY_HOOKS:
                    raise TypeError(f"hook {hook} in the wrong place")
                cls = registration_class(hook)
                items = [
                    decode(shadow, Source(registry, info.name, hook, index))
                    for index, shadow in enumerate(shadows)
                ]
                if not all(isinstance(item, cls) for item in items):
                    raise TypeError(f"{hook}: not {cls.__name__}")
                prepared[hook] = items
            for module in entry["action_modules"]:  # action types: known before any plan
                if str(module).partition(".")[0] != ep.module.partition(".")[0]:
                    raise TypeError(f"{module} is not in the plugin's own package")
                importlib.import_module(str(module))
        except Exception:  # a corrupt or outdated entry is never believed
            return False
        registry.plugins[info.name] = info
        info.hooks = hooks
        if status != "loaded":
            registry._fail(info, RuntimeError(error))
            return True
        registry.prepared[info.name] = prepared
        registry.lazy[info.name] = ep
        return True

    def scan(self, info: PluginInfo, ep: EntryPoint) -> None:
        """Call every hook of a freshly imported plugin and keep what it said."""
        registry = self.registry
        entry: dict[str, Any] = {"registrations": {}, "commands": {}}
        for hook in list(info.hooks):
            if hook in COMMAND_ONLY_HOOKS:
                continue  # only the command that reads it calls it
            items = registry._items(info, hook)
            if info.status != "loaded":
                break  # that hook failed: the plugin is out, with its error
            registry.prepared.setdefault(info.name, {})[hook] = items
            if hook == "cad_commands":  # what `cad --help` lists without the registry
                entry["commands"] = {i.name: _help_fields(i.command) for i in items}
            # Not held as data: gathered by calling the plugin, whenever it is asked for.
            with contextlib.suppress(Unrepresentable):
                entry["registrations"][hook] = [encode(item) for item in items]
        if info.status != "loaded":
            entry = {"registrations": {}, "commands": {}}
        entry.update(status=info.status, error=info.error, hooks=info.hooks)
        entry["action_modules"] = _action_modules(ep.module)
        entry["files"] = package_files(ep.module, ep.dist_path)
        self.cache.put(ep, entry)

    def keep_commands(self) -> None:
        """After ``cad --help`` built the registry without a scan: keep each imported
        plugin's commands (a partial entry), so the next ``--help`` needs no registry; a
        run still scans it."""
        registry = self.registry
        commands = registry.keyed("cad_commands")
        for ep in self.cache.entry_points:
            info = registry.plugins.get(ep.name)
            if info is None or info.status == "disabled" or self.cache.entry(ep) is not None:
                continue
            listing = {
                key: _help_fields(regs[0].item.command)
                for key, regs in commands.items()
                if regs[0].plugin is info
            }
            entry = {"partial": True, "status": info.status, "error": info.error}
            entry.update(commands=listing, files=package_files(ep.module, ep.dist_path))
            self.cache.put(ep, entry)
        self.cache.save()

    def stale(self, plugin: str) -> None:
        self.cache.drop(plugin)
        self.cache.save()


def _help_fields(command: Any) -> dict[str, Any]:
    return {field: getattr(command, field, None) for field in HELP_FIELDS}


def _action_modules(module: str) -> list[str]:
    """The modules of ``module``'s package that define action types."""
    actions = sys.modules.get("cad_core.plan.actions")  # not imported: none was defined
    if actions is None:
        return []
    package = module.partition(".")[0]
    return sorted(
        {
            cls.__module__
            for classes in actions.action_definitions().values()
            for cls in classes
            if cls.__module__.partition(".")[0] == package
        }
    )
