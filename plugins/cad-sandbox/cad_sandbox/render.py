"""Text output of a sandbox run: the incident, what CAD found and did, the world after."""

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
    for cluster_id, cluster in world.get("ocm", {}).get("clusters", {}).items():
        lines.append(f"  OCM cluster {cluster_id}:")
        for reason in cluster.get("limited_support_reasons", []):
            lines.append(f"    limited support: {reason.get('summary')}")
        for log in cluster.get("service_logs", []):
            if log.get("log_type") != "cluster-state-updates":
                lines.append(f"    service log ({log.get('severity')}): {log.get('summary')}")
    for report in world.get("backplane", {}).get("reports", []):
        lines.append(f"  backplane report: {report.get('summary')}")
    for side, changed in world.get("kube_changes", {}).items():
        for obj in changed:
            meta = obj.get("metadata") or {}
            where = "/".join(filter(None, (meta.get("namespace"), meta.get("name"))))
            lines.append(f"  {side} cluster: {obj.get('kind')} {where} written")
    routes = {simulator.name for simulator in simulators if simulator.hosts is None}
    lines += render_sections({k: v for k, v in world.items() if k in routes}, builtin=())
    writes = [r for r in requests if r.get("write")]
    by_service = Counter(r["service"] for r in requests)
    summary = ", ".join(f"{service} {count}" for service, count in sorted(by_service.items()))
    lines.append(f"\n{len(requests)} requests ({summary}); {len(writes)} writes:")
    lines.extend(f"  {w['service']} {w['method']} {w['path']} -> {w.get('status')}" for w in writes)
    return "\n".join(lines) + "\n"
