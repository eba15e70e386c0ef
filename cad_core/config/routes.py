"""Routes: which investigations run for which alert, from a config file or the plugins.

The model every run uses. Reading a routing config file (YAML, its schema and checks) is
:mod:`cad_core.config.routing`, imported only when a run is given one: a run routed by the
installed plugins' default routes never loads a YAML library (issue 26).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs


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

    ``investigations`` pairs each :class:`~cad_core.plugins.registrations.Investigation` with the
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
    from cad_core.settings import setting

    value = setting("CAD_EXPERIMENTAL_ENABLED", strip=False)  # " true" is off, as upstream
    return value in ("1", "t", "T", "TRUE", "true", "True")


def config_path(flag: str | None) -> str | None:
    from cad_core.settings import setting

    return flag or setting("CAD_INVESTIGATION_CONFIG_PATH") or None
