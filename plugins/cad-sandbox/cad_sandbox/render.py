"""Text output of a sandbox run: the world after it, each simulator describing its part."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cad_sandbox.extensions import installed_simulators, outcomes, render_sections


def incident_fates(world: dict[str, Any], scenario: Any) -> dict[str, str]:
    """What became of each alert, in words, as the alert source's simulator tells it."""
    return outcomes(world, scenario) if getattr(scenario, "simulators", ()) else {}


def render_world(
    world: dict[str, Any], requests: list[dict[str, Any]], scenario: Any = None
) -> str:
    """The world after a run and its writes, in words; each simulator describes its part.

    Without ``scenario``, the installed plugins' simulators describe it."""
    simulators = scenario.simulators if scenario is not None else installed_simulators()
    lines = ["\nthe simulated world afterwards:"]
    for simulator in simulators:
        if simulator.describe is not None:
            lines += simulator.describe(world, scenario)
    routes = {simulator.name for simulator in simulators if simulator.hosts is None}
    lines += render_sections({k: v for k, v in world.items() if k in routes}, builtin=())
    writes = [r for r in requests if r.get("write")]
    by_service = Counter(r["service"] for r in requests)
    summary = ", ".join(f"{service} {count}" for service, count in sorted(by_service.items()))
    lines.append(f"\n{len(requests)} requests ({summary}); {len(writes)} writes:")
    lines.extend(f"  {w['service']} {w['method']} {w['path']} -> {w.get('status')}" for w in writes)
    return "\n".join(lines) + "\n"
