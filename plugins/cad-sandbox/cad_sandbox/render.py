"""Text output of a sandbox run: the incident, what CAD found and did, the world after."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cad_sandbox.extensions import render_sections


def incident_fates(world: dict[str, Any], scenario: Any) -> dict[str, str]:
    """What became of each incident, in words: "silenced", "escalated to level 2", ...

    The world after the run holds only the incident's policy and level; what they mean
    depends on the scenario: its silent policy and the incident's level and policy before.
    """
    pagerduty = getattr(scenario, "pagerduty", None)
    if pagerduty is None:
        return {}
    seed = pagerduty.incident
    fates = {}
    for incident_id, incident in world.get("pagerduty", {}).get("incidents", {}).items():
        policy, level = incident.get("escalation_policy"), incident.get("escalation_level")
        if incident.get("status") == "resolved" and seed.status != "resolved":
            fates[incident_id] = "resolved"
        elif policy == pagerduty.silent_policy and seed.escalation_policy != policy:
            fates[incident_id] = "silenced (moved to the silent escalation policy)"
        elif policy != seed.escalation_policy:
            fates[incident_id] = f"moved to escalation policy {policy}"
        elif isinstance(level, int) and level > seed.escalation_level:
            fates[incident_id] = f"escalated to level {level}"
        else:
            fates[incident_id] = "left as it was (not silenced, not escalated)"
    return fates


def render_world(
    world: dict[str, Any], requests: list[dict[str, Any]], fates: dict[str, str] | None = None
) -> str:
    lines = ["\nthe simulated world afterwards:"]
    for incident_id, incident in world.get("pagerduty", {}).get("incidents", {}).items():
        lines.append(f"  PagerDuty incident {incident_id}: {incident.get('title')!r}")
        fate = (fates or {}).get(incident_id)
        if fate:
            lines.append(f"    {fate}")
        lines.append(
            f"    status {incident.get('status')}, escalation policy "
            f"{incident.get('escalation_policy')}, level {incident.get('escalation_level')}"
            f", {len(incident.get('notes', []))} note(s)"
        )
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
    lines += render_sections(world, builtin=("pagerduty", "ocm", "backplane", "kube_changes"))
    writes = [r for r in requests if r.get("write")]
    by_service = Counter(r["service"] for r in requests)
    summary = ", ".join(f"{service} {count}" for service, count in sorted(by_service.items()))
    lines.append(f"\n{len(requests)} requests ({summary}); {len(writes)} writes:")
    lines.extend(f"  {w['service']} {w['method']} {w['path']} -> {w.get('status')}" for w in writes)
    return "\n".join(lines) + "\n"
