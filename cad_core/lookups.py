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
from cad_core.hookspecs import HOOKS
from cad_core.registrations import (
    ActionExecutor,
    AlertSource,
    Command,
    FilterField,
    Investigation,
    LockProvider,
    MetricsSink,
    Resource,
)

if TYPE_CHECKING:
    from cad_core.plugins import PluginInfo

EXECUTORS = "cad_action_executors"
INVESTIGATIONS = "cad_investigations"


@attrs.frozen
class Registered:
    """A registration attributed to the plugin that yielded it."""

    item: Any
    plugin: PluginInfo

    @property
    def keys(self) -> tuple[str, ...]:
        _cls, attr = HOOKS[self.hook]
        value = getattr(self.item, attr)
        return tuple(value) if isinstance(value, tuple) else (value,)

    @property
    def hook(self) -> str:
        for hook, (cls, _attr) in HOOKS.items():
            if isinstance(self.item, cls):
                return hook
        raise TypeError(type(self.item).__name__)


class Lookups:
    """Typed lookups over ``keyed(hook)``, which the plugin manager provides."""

    def keyed(self, hook: str) -> dict[str, list[Registered]]:
        raise NotImplementedError

    @property
    def by_hook(self) -> dict[str, dict[str, list[Registered]]]:
        return {hook: self.keyed(hook) for hook in HOOKS}

    def registrations(self, hook: str) -> list[Registered]:
        seen: list[Registered] = []
        for regs in self.keyed(hook).values():
            seen.extend(r for r in regs if r not in seen)
        return seen

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

    def filter_fields(self) -> dict[str, FilterField]:
        return {key: reg.item for key, reg in self.unique("cad_filter_fields").items()}

    def lock_providers(self) -> dict[str, LockProvider]:
        return {key: reg.item for key, reg in self.unique("cad_lock_providers").items()}

    # -- conflicts --------------------------------------------------------------------

    def conflicts(self, selection: Mapping[str, str] | None = None) -> list[str]:
        """Every key claimed by more than one distinct registration, with the remedy.

        Investigation names and aliases share one namespace: an alias of one plugin that
        equals another's name (or alias) would silently hide it, so it is a conflict too.
        """
        problems = []
        for hook, keyed in self.by_hook.items():
            for key, regs in sorted(keyed.items()):
                claimants = distinct(regs)
                if len(claimants) < 2:
                    continue
                if hook == EXECUTORS and selection and key in selection:
                    continue
                problems.append(conflict_message(hook, key, claimants))
        return problems + self._alias_conflicts()

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
