"""The routing config file: its YAML, read strictly into the routes of `routes.py`.

Upstream's schema is accepted unchanged (``alerts[]`` with ``alert_title``, ``name``,
``experimental``, ``when``, ``investigations``; ``ai_agent``, which is read and ignored),
plus ``executors:`` to pick an executor when several claim one action type. Unknown keys
are errors, so a typo never silently changes routing; every problem is reported at once
with its line, in the format of :mod:`cad_core.config.strict_yaml`.

The routes themselves (``RoutingConfig``, ``AlertRoute``, ``ChainEntry``, the plugins'
default routes) live in :mod:`cad_core.config.routes` and are re-exported here: a run
without a config file imports only that module, and no YAML library.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import attrs
import yaml

import cad_core.config.filters as filters
from cad_core.config.routes import (
    PLUGIN_ROUTES,
    AlertRoute,
    ChainEntry,
    RoutingConfig,
    config_path,
    experimental_enabled,
    routes_from_plugins,
)
from cad_core.config.strict_yaml import (
    Problem,
    compose,
    nodes_from_data,
    problems_error,
    read_source,
)
from cad_core.config.yamlschema import KEY_LINES, LINE, Check, Context, convert

__all__ = [
    "PLUGIN_ROUTES",
    "AlertRoute",
    "ChainEntry",
    "RoutingConfig",
    "config_path",
    "experimental_enabled",
    "load_config",
    "parse_config",
    "parse_config_text",
    "routes_from_plugins",
]
KIND = "routing config"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _EntryDoc:
    """One chain entry: ``- chgm`` is short for ``- {name: chgm}``."""

    yaml_shorthand: ClassVar[str] = "name"
    name: str
    when: Any = None
    line: int = dataclasses.field(default=0, metadata=LINE)
    key_lines: dict[str, int] = dataclasses.field(default_factory=dict, metadata=KEY_LINES)

    def validate(self) -> None:
        if not self.name.strip():
            raise ValueError("needs an investigation name")


@dataclasses.dataclass(frozen=True, kw_only=True)
class _AlertDoc:
    alert_title: str | None = None
    name: str | None = None
    experimental: bool = False
    when: Any = None
    investigations: tuple[_EntryDoc, ...] | None = None
    on_failure: Literal["continue", "stop"] = "continue"
    mode: Literal["live", "inform"] = "live"
    line: int = dataclasses.field(default=0, metadata=LINE)
    key_lines: dict[str, int] = dataclasses.field(default_factory=dict, metadata=KEY_LINES)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ConfigDoc:
    alerts: tuple[_AlertDoc, ...] = ()
    chain_heads: tuple[_EntryDoc, ...] = ()
    executors: dict[str, str] = dataclasses.field(default_factory=dict)
    # Upstream's AI agent settings; accepted so upstream configs load, and ignored.
    ai_agent: dict[str, Any] | None = None


def load_config(
    path: str | Path,
    known_investigations: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    fields: Collection[str] | None = None,
) -> RoutingConfig:
    """Load and validate; raises one BadInputError listing every problem.

    ``fields`` are the filter fields installed plugins provide (``None``: not checked).
    """
    text = read_source(path, KIND)
    return parse_config_text(text, str(path), known_investigations, aliases, fields)


def parse_config_text(
    text: str,
    source: str,
    known: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    fields: Collection[str] | None = None,
) -> RoutingConfig:
    """Validate routing config YAML ``text``; ``source`` names it in error messages."""
    node = compose(text, source, kind=KIND)
    return _from_nodes(node, source, _Known(known, aliases or {}, fields))


def parse_config(
    data: Any,
    source: str,
    known: Sequence[str] | None = None,
    aliases: Mapping[str, str] | None = None,
    fields: Collection[str] | None = None,
) -> RoutingConfig:
    """Validate an already-loaded routing config (no line numbers in its errors)."""
    node = None if data is None else nodes_from_data(data, source, kind=KIND)
    return _from_nodes(node, source, _Known(known, aliases or {}, fields))


@attrs.frozen
class _Known:
    """What the installed plugins provide; ``None`` leaves that part unchecked."""

    investigations: Sequence[str] | None
    aliases: Mapping[str, str]
    fields: Collection[str] | None


def _from_nodes(node: yaml.Node | None, source: str, known: _Known) -> RoutingConfig:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        return RoutingConfig(source=source)
    checks: dict[type, Check] = {_AlertDoc: _alert_check(known), _EntryDoc: _entry_check(known)}
    doc: _ConfigDoc = convert(node, _ConfigDoc, source, Context(checks=checks), kind=KIND)
    duplicates = list(_duplicate_titles(doc.alerts))
    if duplicates:
        raise problems_error(KIND, source, duplicates)
    aliases = known.aliases
    routes = tuple(_route(alert, aliases) for alert in doc.alerts)
    executors = {key: value.strip().lower() for key, value in doc.executors.items()}
    heads = tuple(dict.fromkeys(_resolve(head.name, aliases) for head in doc.chain_heads))
    return RoutingConfig(routes, executors, source, heads)


def _route(alert: _AlertDoc, aliases: Mapping[str, str]) -> AlertRoute:
    title = alert.alert_title or ""
    chain = tuple(ChainEntry(_resolve(e.name, aliases), e.when) for e in alert.investigations or ())
    name = alert.name or title
    return AlertRoute(
        title, name, chain, alert.experimental, alert.when, alert.line, alert.on_failure, alert.mode
    )


def _resolve(name: str, aliases: Mapping[str, str]) -> str:
    name = name.strip().lower()
    return aliases.get(name, name)


def _alert_check(known: _Known) -> Callable[[_AlertDoc, str], Iterator[Problem]]:
    def check(alert: _AlertDoc, path: str) -> Iterator[Problem]:
        if not (alert.alert_title or "").strip():
            yield Problem(
                alert.line, path, "alert_title is required (a substring of the incident title)"
            )
        if not alert.investigations:
            line = alert.key_lines.get("investigations", alert.line)
            yield Problem(line, path, "investigations must be a non-empty list")
        if alert.when is not None:
            line = alert.key_lines.get("when", alert.line)
            for problem in filters.validate(alert.when, f"{path}.when", known.fields):
                yield Problem(line, "", problem)

    return check


def _entry_check(known: _Known) -> Callable[[_EntryDoc, str], Iterator[Problem]]:
    """Checks a chain entry, or a chain head (a head takes no ``when``)."""

    def check(entry: _EntryDoc, path: str) -> Iterator[Problem]:
        name = _resolve(entry.name, known.aliases)
        installed = known.investigations
        if installed is not None and name not in installed:
            listed = ", ".join(sorted(installed)) or "none"
            yield Problem(entry.line, path, f"unknown investigation {name!r}; installed: {listed}")
        if entry.when is None:
            return
        line = entry.key_lines.get("when", entry.line)
        if path.startswith("chain_heads"):
            yield Problem(line, path, "a chain head takes no 'when'; give its name only")
            return
        for problem in filters.validate(entry.when, f"{path}.when", known.fields):
            yield Problem(line, "", problem)

    return check


def _duplicate_titles(alerts: Sequence[_AlertDoc]) -> Iterator[Problem]:
    # Exact comparison, as upstream: "foo" is not a duplicate of "Foo".
    seen: set[str] = set()
    for index, alert in enumerate(alerts):
        title = alert.alert_title or ""
        if title in seen:
            message = f"alert_title {title!r} appears twice; keep one entry per title"
            yield Problem(alert.line, f"alerts[{index}]", message)
        seen.add(title)
