"""The typed facade over the hooks: one accessor per hook, and every conflict in one place.

Callers ask ``registry.investigation(name)``, ``registry.executor(type_id)``,
``registry.alert_sources()`` ... and get registration objects of the right type, instead
of hook-name strings and ``Any``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from cad_core.errors import BadInputError
from cad_core.plugins.hookspecs import HOOKS
from cad_core.plugins.registrations import (
    ActionExecutor,
    AlertSource,
    Command,
    FilterField,
    Investigation,
    LockProvider,
    MetricsSink,
    OutputFormat,
    Resource,
)

if TYPE_CHECKING:
    from cad_core.plugins.registry import PluginInfo

EXECUTORS = "cad_action_executors"
# Hooks that only one command reads: that command checks them (cad-sandbox checks its
# simulators' names), so a clash there never stops `cad run`.
COMMAND_ONLY_HOOKS = frozenset({"cad_sandbox_simulators"})
INVESTIGATIONS = "cad_investigations"


@attrs.frozen
class Registered:
    """A registration attributed to the plugin that yielded it."""

    item: Any
    plugin: PluginInfo
    hook: str  # the hook that yielded it

    @property
    def keys(self) -> tuple[str, ...]:
        _cls, attr = HOOKS[self.hook]
        value = getattr(self.item, attr)
        return tuple(value) if isinstance(value, tuple) else (value,)


class Lookups:
    """Typed lookups over ``keyed(hook)``, which the plugin manager provides."""

    def keyed(self, hook: str) -> dict[str, list[Registered]]:
        raise NotImplementedError

    @property
    def by_hook(self) -> dict[str, dict[str, list[Registered]]]:
        return {hook: self.keyed(hook) for hook in HOOKS}

    def registrations(self, hook: str) -> list[Registered]:
        """Each registration once, though it may stand under several keys (an executor
        claiming three action types). By identity: comparing attrs objects field by field
        made this quadratic, and log redaction asks for it once per line it writes."""
        seen: dict[int, Registered] = {}
        for regs in self.keyed(hook).values():
            for reg in regs:
                seen.setdefault(id(reg), reg)
        return list(seen.values())

    def unique(self, hook: str) -> dict[str, Registered]:
        """Key -> registration, for kinds where a key must have one owner."""
        return {key: distinct(regs)[0] for key, regs in self.keyed(hook).items()}

    # -- one typed accessor per hook -------------------------------------------------

    def investigations(self) -> list[Investigation]:
        return sorted((r.item for r in self.unique(INVESTIGATIONS).values()), key=_by_name)

    def investigation(self, name: str) -> Investigation:
        """By name or alias; an unknown one is a BadInputError listing what is installed."""
        wanted = name.strip().lower()
        for inv in self.investigations():
            if wanted == inv.name or wanted in inv.aliases:
                return inv
        choices = "; ".join(
            f"{', '.join(i.aliases)} ({i.name})" if i.aliases else i.name
            for i in self.investigations()
        )
        raise BadInputError(f"unknown investigation {name!r}; installed: {choices or 'none'}")

    def executor(self, type_id: str, selection: Mapping[str, str] | None = None) -> ActionExecutor:
        executor: ActionExecutor = self.executor_for(type_id, selection).item
        return executor

    def executor_for(self, type_id: str, selection: Mapping[str, str] | None = None) -> Registered:
        """The registration (with its plugin) that carries out ``type_id``."""
        regs = distinct(self.keyed(EXECUTORS).get(type_id, []))
        if not regs:
            claimed = ", ".join(sorted(self.keyed(EXECUTORS))) or "none"
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
            raise BadInputError(conflict_message(EXECUTORS, type_id, regs))
        return regs[0]

    def executors(self) -> list[ActionExecutor]:
        return sorted((r.item for r in self.registrations(EXECUTORS)), key=_by_name)

    def alert_sources(self) -> dict[str, AlertSource]:
        return {key: reg.item for key, reg in self.unique("cad_alert_sources").items()}

    def resources(self) -> dict[str, Resource]:
        return {key: reg.item for key, reg in self.unique("cad_resources").items()}

    def metrics_sinks(self) -> dict[str, MetricsSink]:
        return {key: reg.item for key, reg in self.unique("cad_metrics_sinks").items()}

    def commands(self) -> dict[str, Command]:
        return {key: reg.item for key, reg in self.unique("cad_commands").items()}

    def output_formats(self) -> dict[str, OutputFormat]:
        return {key: reg.item for key, reg in self.unique("cad_output_formats").items()}

    def filter_fields(self) -> dict[str, FilterField]:
        return {key: reg.item for key, reg in self.unique("cad_filter_fields").items()}

    def lock_providers(self) -> dict[str, LockProvider]:
        return {key: reg.item for key, reg in self.unique("cad_lock_providers").items()}

    # -- conflicts --------------------------------------------------------------------

    def conflicts(
        self, selection: Mapping[str, str] | None = None, *, command_only: bool = False
    ) -> list[str]:
        """Every key claimed by more than one distinct registration, with the remedy.

        Investigation names and aliases share one namespace: an alias of one plugin that
        equals another's name (or alias) would silently hide it, so it is a conflict too.
        """
        problems = []
        for hook in HOOKS:
            if hook in COMMAND_ONLY_HOOKS and not command_only:
                continue  # not even called here: a broken simulator cannot stop `cad run`
            for key, regs in sorted(self.keyed(hook).items()):
                claimants = distinct(regs)
                if len(claimants) < 2:
                    continue
                if hook == EXECUTORS and selection and key in selection:
                    continue
                problems.append(conflict_message(hook, key, claimants))
        return problems + self._alias_conflicts() + self._action_type_conflicts(selection)

    def _action_type_conflicts(self, selection: Mapping[str, str] | None) -> list[str]:
        """Two classes defining one action type id: decided here, whatever the import order."""
        from cad_core.plan.actions import action_definitions

        problems = []
        for type_id, classes in sorted(action_definitions().items()):
            if len(classes) < 2 or (selection and type_id in selection):
                continue
            # In the order of their owners' names: import order decides nothing.
            definers = sorted(self._definer(cls) for cls in classes)
            who = " and ".join(f"{name} ({owner})" for owner, name in definers)
            problems.append(
                f"action type {type_id!r} is defined by {who}; uninstall or disable one of "
                f"them (CAD_DISABLE_PLUGINS), or pick one in the routing config: "
                f"executors: {{{type_id}: <executor name>}}"
            )
        return problems

    def _definer(self, cls: type) -> tuple[str, str]:
        owner = self.owner_of(cls)
        return (owner.label if owner else cls.__module__), cls.__qualname__

    def owner_of(self, cls: type) -> PluginInfo | None:
        """The plugin whose package defines ``cls`` (None for a class of no plugin): the
        one whose module's top-level package is the longest prefix of the class's module
        (the built-in plugin, ``cad_core.plugins.builtin``, owns all of ``cad_core``)."""
        plugins: Mapping[str, PluginInfo] = getattr(self, "plugins", {})
        best: tuple[int, PluginInfo | None] = (0, None)
        for info in plugins.values():
            package = info.module.partition(".")[0]
            inside = cls.__module__ == package or cls.__module__.startswith(package + ".")
            if package and inside and len(package) > best[0]:
                best = (len(package), info)
        return best[1]

    def action_class(self, type_id: str, selection: Mapping[str, str] | None = None) -> type | None:
        """The class plans must use for ``type_id``: its only definition, or, when two
        plugins define it, the one from the distribution of the executor the routing
        config's ``executors:`` picks."""
        from cad_core.plan.actions import action_definitions

        classes = action_definitions().get(type_id, ())
        chosen = (selection or {}).get(type_id)
        if len(classes) > 1 and chosen:
            wanted = [
                r.plugin.distribution
                for r in self.keyed(EXECUTORS).get(type_id, [])
                if r.item.name == chosen
            ]
            for cls in classes:
                owner = self.owner_of(cls)
                if owner is not None and owner.distribution in wanted:
                    return cls
        return classes[0] if classes else None

    def _alias_conflicts(self) -> list[str]:
        owners: dict[str, list[tuple[Registered, str]]] = {}
        for reg in self.unique(INVESTIGATIONS).values():
            owners.setdefault(reg.item.name, []).append((reg, "name"))
            for alias in reg.item.aliases:
                owners.setdefault(alias, []).append((reg, "alias"))
        problems = []
        for key, claims in sorted(owners.items()):
            if len({id(reg.item) for reg, _ in claims}) < 2:
                continue
            who = " and ".join(
                f"{reg.item.name!r} ({role}, {reg.plugin.label})" for reg, role in claims
            )
            problems.append(
                f"investigation name {key!r} is claimed by {who}; uninstall one of them or "
                "ask its authors to drop the alias"
            )
        return problems


def _by_name(item: Any) -> str:
    return str(item.name)


def distinct(regs: list[Registered]) -> list[Registered]:
    """Drop equal duplicates: the same registration from the same distribution."""
    out: list[Registered] = []
    for reg in regs:
        if not any(
            o.item == reg.item and o.plugin.distribution == reg.plugin.distribution for o in out
        ):
            out.append(reg)
    return out


def conflict_message(hook: str, key: str, regs: list[Registered]) -> str:
    kind = {EXECUTORS: "action type"}.get(hook, hook.removeprefix("cad_").rstrip("s"))
    who = " and ".join(f"{r.item.name!r} ({r.plugin.label})" for r in regs)
    remedy = "uninstall one of them"
    if hook == EXECUTORS:
        remedy += f", or pick one in the routing config: executors: {{{key}: <executor name>}}"
    return f"{kind} {key!r} is claimed by {who}; {remedy}"
