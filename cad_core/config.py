"""The routing config: which investigations run for which alert.

Upstream's schema is accepted unchanged (``alerts[]`` with ``alert_title``, ``name``,
``experimental``, ``when``, ``investigations``; ``ai_agent``), plus ``executors:`` to pick
an executor when several claim one action type. Unknown keys are errors, so a typo never
silently changes routing; every problem is reported at once with its line.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from cad_core import filters
from cad_core.errors import BadInputError
from cad_core.yamlload import item_line, line_of, load_yaml

ALERT_KEYS = {"alert_title", "name", "experimental", "when", "investigations", "on_failure", "mode"}
TOP_KEYS = {"alerts", "executors", "ai_agent", "chain_heads"}
ON_FAILURE = ("continue", "stop")
MODES = ("live", "inform")
AI_AGENT_REQUIRED = ("runtime_arn", "region", "user_id", "invoker_role_arn")


@attrs.frozen
class ChainEntry:
    name: str
    when: Mapping[str, Any] | None = None


@attrs.frozen
class AlertRoute:
    alert_title: str
    name: str
    investigations: tuple[ChainEntry, ...]
    experimental: bool = False
    when: Mapping[str, Any] | None = None
    line: int = 0
    on_failure: str = "continue"  # or "stop": nothing further starts after a failure
    mode: str = "live"  # or "inform": hold customer-facing and silencing actions
    origin: str = ""  # where the route came from: "" for a config file, else the plugin


@attrs.frozen
class RoutingConfig:
    alerts: tuple[AlertRoute, ...] = ()
    executors: Mapping[str, str] = attrs.field(factory=dict)
    source: str = ""
    chain_heads: tuple[str, ...] = ()  # investigations that run before every chain

    def match(self, title: str, experimental: bool) -> AlertRoute | None:
        """First alert (file order) whose title is a case-insensitive substring of ``title``."""
        for route, verdict in self.explain(title, experimental):
            if verdict == "matches":
                return route
        return None

    def explain(self, title: str, experimental: bool) -> list[tuple[AlertRoute, str]]:
        """Each alert entry up to the first match, with why it did or did not match."""
        decisions = []
        for route in self.alerts:
            if route.alert_title.lower() not in title.lower():
                decisions.append((route, "title does not contain alert_title"))
                continue
            if route.experimental and not experimental:
                decisions.append((route, "experimental, and CAD_EXPERIMENTAL_ENABLED is off"))
                continue
            decisions.append((route, "matches"))
            break
        return decisions


PLUGIN_ROUTES = "routes of the installed plugins"


def routes_from_plugins(investigations: Sequence[tuple[Any, str]]) -> RoutingConfig:
    """With no routing config, each installed investigation's ``default_route`` routes.

    ``investigations`` pairs each :class:`~cad_core.registrations.Investigation` with the
    label of the plugin that registered it. Longer titles come first, so the most specific
    title wins when one contains another (a config file keeps its own order).
    """
    routes, heads = [], []
    for inv, plugin in investigations:
        if inv.chain_head:
            heads.append(inv.name)
        if inv.default_route is None:
            continue
        for title in inv.default_route.alert_titles:
            chain = (ChainEntry(inv.name),)
            experimental = inv.default_route.experimental
            routes.append(AlertRoute(title, inv.name, chain, experimental, origin=plugin))
    routes.sort(key=lambda route: -len(route.alert_title))
    return RoutingConfig(tuple(routes), {}, PLUGIN_ROUTES, tuple(heads))


def experimental_enabled() -> bool:
    """Upstream's strconv.ParseBool truth values."""
    value = os.environ.get("CAD_EXPERIMENTAL_ENABLED", "")
    return value in ("1", "t", "T", "TRUE", "true", "True")


def config_path(flag: str | None) -> str | None:
    return flag or os.environ.get("CAD_INVESTIGATION_CONFIG_PATH") or None


class _Problems:
    def __init__(self, source: str, fields: Collection[str] | None = None) -> None:
        self.source, self.items = source, []  # type: tuple[str, list[str]]
        self.fields = fields  # filter field names the installed plugins provide

    def add(self, line: int, message: str) -> None:
        where = f"{self.source}:{line}" if line else self.source
        self.items.append(f"{where}: {message}")


def load_config(
    path: str | Path,
    known_investigations: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    fields: Collection[str] | None = None,
) -> RoutingConfig:
    """Load and validate; raises one BadInputError listing every problem.

    ``fields`` are the filter fields installed plugins provide (``None``: not checked).
    """
    data = load_yaml(path, "routing config")
    return parse_config(data, str(path), known_investigations, aliases, fields)


def parse_config(
    data: Any,
    source: str,
    known: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    fields: Collection[str] | None = None,
) -> RoutingConfig:
    problems = _Problems(source, fields)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise BadInputError(f"{source}: the routing config must be a mapping with 'alerts'")
    for key in sorted(set(data) - TOP_KEYS, key=str):
        allowed = ", ".join(sorted(TOP_KEYS))
        problems.add(line_of(data, key), f"unknown key {key!r}; allowed: {allowed}")
    _check_ai_agent(data.get("ai_agent"), data, problems)
    routes = _parse_alerts(data.get("alerts") or [], data, problems, known, aliases or {})
    executors = _parse_executors(data.get("executors") or {}, data, problems)
    heads = _parse_heads(data, problems, known, aliases or {})
    if problems.items:
        count = len(problems.items)
        summary = f"{count} problem{'s' if count > 1 else ''} in the routing config: "
        raise BadInputError(summary + " | ".join(problems.items))
    return RoutingConfig(tuple(routes), executors, source, heads)


def _parse_heads(
    data: Mapping[str, Any],
    problems: _Problems,
    known: Sequence[str] | None,
    aliases: Mapping[str, str],
) -> tuple[str, ...]:
    raw = data.get("chain_heads")
    if raw is None:
        return ()
    line = line_of(data, "chain_heads")
    if not isinstance(raw, list) or not all(isinstance(n, str) and n.strip() for n in raw):
        problems.add(line, "chain_heads must be a list of investigation names")
        return ()
    heads = [aliases.get(n.strip().lower(), n.strip().lower()) for n in raw]
    for name in heads:
        if known is not None and name not in known:
            installed = ", ".join(sorted(known)) or "none"
            problems.add(
                line, f"chain_heads: unknown investigation {name!r}; installed: {installed}"
            )
    return tuple(dict.fromkeys(heads))


def _check_ai_agent(agent: Any, data: Any, problems: _Problems) -> None:
    if agent is None:
        return
    if not isinstance(agent, Mapping):
        problems.add(line_of(data, "ai_agent"), "ai_agent must be a mapping")
        return
    for key in AI_AGENT_REQUIRED:
        if not str(agent.get(key) or "").strip():
            problems.add(line_of(agent), f"ai_agent.{key} is required")


def _parse_executors(raw: Any, data: Any, problems: _Problems) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        problems.add(
            line_of(data, "executors"),
            "executors must map action types to executor names, e.g. "
            "{incident_note: pagerduty-note}",
        )
        return {}
    return {str(k): str(v).strip().lower() for k, v in raw.items()}


def _parse_alerts(
    raw: Any,
    data: Any,
    problems: _Problems,
    known: Sequence[str] | None,
    aliases: Mapping[str, str],
) -> list[AlertRoute]:
    if not isinstance(raw, list):
        problems.add(line_of(data, "alerts"), "alerts must be a list")
        return []
    routes, titles = [], set()
    for index, item in enumerate(raw):
        route = _parse_alert(item, index, problems, known, aliases)
        if route is None:
            continue
        if route.alert_title and route.alert_title in titles:
            problems.add(
                route.line,
                f"alert_title {route.alert_title!r} appears twice; keep one entry per title",
            )
        titles.add(route.alert_title)
        routes.append(route)
    return routes


def _parse_alert(
    item: Any,
    index: int,
    problems: _Problems,
    known: Sequence[str] | None,
    aliases: Mapping[str, str],
) -> AlertRoute | None:
    where = f"alerts[{index}]"
    if not isinstance(item, Mapping):
        problems.add(0, f"{where} must be a mapping with alert_title and investigations")
        return None
    line = line_of(item)
    for key in sorted(set(item) - ALERT_KEYS, key=str):
        problems.add(
            line_of(item, key),
            f"{where}: unknown key {key!r}; allowed: {', '.join(sorted(ALERT_KEYS))}",
        )
    title = item.get("alert_title")
    if not isinstance(title, str) or not title.strip():
        problems.add(line, f"{where}: alert_title is required (a substring of the incident title)")
        title = ""
    experimental = item.get("experimental", False)
    if not isinstance(experimental, bool):
        problems.add(line_of(item, "experimental"), f"{where}: experimental must be true or false")
    when = _parse_when(item, where, problems)
    chain = _parse_chain(item, where, problems, known, aliases)
    name = item.get("name") or title
    on_failure = _choice(item, "on_failure", ON_FAILURE, where, problems)
    mode = _choice(item, "mode", MODES, where, problems)
    return AlertRoute(
        title, str(name), tuple(chain), bool(experimental), when, line, on_failure, mode
    )


def _choice(
    item: Mapping[str, Any], key: str, allowed: Sequence[str], where: str, problems: _Problems
) -> str:
    value = item.get(key, allowed[0])
    if value not in allowed:
        problems.add(
            line_of(item, key), f"{where}: {key} must be one of {', '.join(allowed)}, not {value!r}"
        )
        return allowed[0]
    return str(value)


def _parse_when(item: Mapping[str, Any], where: str, problems: _Problems) -> Any:
    when = item.get("when")
    if when is not None:
        for problem in filters.validate(when, f"{where}.when", problems.fields):
            problems.add(line_of(item, "when"), problem)
    return when


def _parse_chain(
    item: Mapping[str, Any],
    where: str,
    problems: _Problems,
    known: Sequence[str] | None,
    aliases: Mapping[str, str],
) -> list[ChainEntry]:
    raw = item.get("investigations")
    if not isinstance(raw, list) or not raw:
        problems.add(
            line_of(item, "investigations") or line_of(item),
            f"{where}: investigations must be a non-empty list",
        )
        return []
    chain = []
    for index, entry in enumerate(raw):
        entry_where = f"{where}.investigations[{index}]"
        name, when = (entry, None) if isinstance(entry, str) else _entry_parts(entry)
        line = line_of(entry) or item_line(raw, index) or line_of(item, "investigations")
        if not isinstance(name, str) or not name.strip():
            problems.add(line, f"{entry_where}: needs an investigation name")
            continue
        name = aliases.get(name.strip().lower(), name.strip().lower())
        if known is not None and name not in known:
            installed = ", ".join(sorted(known)) or "none"
            problems.add(
                line, f"{entry_where}: unknown investigation {name!r}; installed: {installed}"
            )
        if when is not None:
            for problem in filters.validate(when, f"{entry_where}.when", problems.fields):
                problems.add(line, problem)
        chain.append(ChainEntry(name, when))
    return chain


def _entry_parts(entry: Any) -> tuple[Any, Any]:
    if isinstance(entry, Mapping) and set(entry) <= {"name", "when"}:
        return entry.get("name"), entry.get("when")
    return None, None
