"""Read-only operator views: installed plugins, config checks, routing explanations."""

from __future__ import annotations

from typing import Any

from cad_core.errors import BadInputError, CadError, one_line
from cad_core.plugins.registry import HOOK_KINDS, Registry, get_registry


def plugin_inventory(registry: Registry | None = None) -> dict[str, Any]:
    registry = registry or get_registry()
    plugins = []
    for info in registry.plugins.values():
        claims: dict[str, list[str]] = {}
        for hook in HOOK_KINDS:
            for reg in registry.registrations(hook):
                if reg.plugin is info:
                    claims.setdefault(hook.removeprefix("cad_"), []).extend(_claim(reg.item))
        plugins.append(
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "status": info.status,
                "error": info.error or None,
                "hooks": info.hooks,
                "registrations": claims,
            }
        )
    return {
        "plugins": plugins,
        "settings": settings_inventory(registry),
        "conflicts": registry.conflicts(command_only=True),
    }


def settings_inventory(registry: Registry) -> list[dict[str, Any]]:
    """Every declared setting with its owner; whether it is set, never its value."""
    import os

    rows = []
    for reg in registry.registrations("cad_settings"):
        item = reg.item
        rows.append(
            {
                "name": item.name,
                "owner": reg.plugin.distribution or reg.plugin.name,
                "plugin": reg.plugin.name,
                "description": item.description,
                "default": item.default or None,
                "secret": item.secret,
                "multiple": item.multiple,
                "checked": item.check is not None,
                "required_for": list(item.required_for),
                "set": bool(item.values(os.environ)),
            }
        )
    return sorted(rows, key=lambda row: (row["owner"], row["name"]))


def _claim(item: Any) -> list[str]:
    types = getattr(item, "action_types", None)
    if types:
        return [f"{item.name}: {', '.join(types)}"]
    if getattr(item, "secret", False):
        return [f"{item.name} (secret)"]
    return [item.name]


def render_inventory(inventory: dict[str, Any], verbose: bool = False) -> str:
    """``cad plugins`` as text: a compact table, or every claim (``verbose``)."""
    from cad_core.cli.plugintable import render_table, render_verbose

    return render_verbose(inventory) if verbose else render_table(inventory)


def route_origin(route: Any) -> str:
    """`` [default route of PLUGIN]`` for a plugin's route; a config file's routes say
    nothing here, because every listing that shows them names the file first."""
    return f" [default route of {route.origin}]" if route.origin else ""


def check_config(path: str | None) -> str:
    from cad_core.config.routing import load_config
    from cad_core.run.app import check_plugins, known_fields, known_investigations, plugin_routes
    from cad_core.run.chains import with_heads

    registry = get_registry()
    names, aliases = known_investigations(registry)
    if path is None:
        config = plugin_routes(registry)
    else:
        config = load_config(path, names, aliases, known_fields(registry))
    check_plugins(registry, config)  # the checks of `cad run`'s start, with its exit code
    count = len(config.alerts)
    lines = [f"{path or config.source}: valid, {count} alert entr{'y' if count == 1 else 'ies'}"]
    if config.chain_heads:
        lines.append(f"  every chain starts with: {' -> '.join(config.chain_heads)}")
    for route in config.alerts:
        entries = with_heads(route.investigations, config.chain_heads)
        chain = " -> ".join(e.name for e in entries)
        flags = " (experimental)" if route.experimental else ""
        flags += "" if route.on_failure == "continue" else f" (on_failure: {route.on_failure})"
        flags += "" if route.mode == "live" else f" (mode: {route.mode})"
        lines.append(f"  {route.alert_title!r}{flags}: {chain}{route_origin(route)}")
    lines.extend(_warnings(registry, config))
    return "\n".join(lines)


def _warnings(registry: Registry, config: Any) -> list[str]:
    from cad_core.plan.actions import action_types

    warnings = []
    claimed = set(registry.by_hook["cad_action_executors"])
    for type_id in sorted(set(action_types()) - claimed):
        warnings.append(f"  warning: no installed executor claims action type {type_id!r}")
    return warnings


def explain_route(payload_path: str, config_flag: str | None) -> str:
    from cad_core.config.routes import experimental_enabled
    from cad_core.run.app import load_routing, parse_alert
    from cad_core.run.payload import read_payload
    from cad_core.settings import RunSettings

    registry = get_registry()
    config = load_routing(registry, config_flag, required=True)
    try:
        alert = parse_alert(registry, read_payload(payload_path), RunSettings.from_env())
    except BadInputError:
        raise
    except CadError as error:  # e.g. the incident does not exist: a fact, not a crash
        raise BadInputError(f"reading the alert failed: {one_line(error)}") from None
    experimental = experimental_enabled()
    lines = [f"alert: {alert.title!r} (incident {alert.id}, cluster {alert.cluster_id})"]
    lines.append(f"routes: {config.source}")
    for route, why in config.explain(alert.title, experimental):
        lines.append(f"  {route.alert_title!r}: {why}{route_origin(route)}")
    matched = config.match(alert.title, experimental)
    if matched is None:
        lines.append("no entry matches: CAD would escalate with a note saying it has no automation")
        return "\n".join(lines)
    if matched.when is not None:
        lines.append(f"  alert-level filter: {matched.when} (evaluated at run time)")
    from cad_core.run.chains import with_heads

    for entry in with_heads(matched.investigations, config.chain_heads):
        condition = f" when {entry.when}" if entry.when else ""
        head = " (a chain head)" if entry.name in config.chain_heads else ""
        lines.append(f"  runs: {entry.name}{condition}{head}")
    lines.append(f"chain {matched.name!r} would run, then the title gets its prefix")
    return "\n".join(lines)
