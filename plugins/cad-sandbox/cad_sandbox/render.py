"""Text output of a sandbox run: the incident, what CAD found and did, the world after."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cad_sandbox.extensions import render_sections


def render_world(world: dict[str, Any], requests: list[dict[str, Any]]) -> str:
    lines = ["\nthe simulated world afterwards:"]
    for incident_id, incident in world.get("pagerduty", {}).get("incidents", {}).items():
        lines.append(f"  PagerDuty incident {incident_id}: {incident.get('title')!r}")
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
    lines.append(f"\n{len(requests)} requests ({summary}); {len(writes)} writes")
    return "\n".join(lines) + "\n"
