"""What ``cad sandbox run`` says about the incident afterwards, and what a race counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def incident_fates(world: Mapping[str, Any], scenario: Any) -> dict[str, str]:
    """What became of each incident, in words: "silenced", "escalated to level 2", ...

    The world after the run holds only the incident's policy and level; what they mean
    depends on the scenario: its silent policy and the incident's level and policy before.
    """
    section = getattr(scenario, "pagerduty", None)
    if section is None:
        return {}
    seed = section.incident
    fates = {}
    for incident_id, incident in world.get("pagerduty", {}).get("incidents", {}).items():
        policy, level = incident.get("escalation_policy"), incident.get("escalation_level")
        if incident.get("status") == "resolved" and seed.status != "resolved":
            fates[incident_id] = "resolved"
        elif policy == section.silent_policy and seed.escalation_policy != policy:
            fates[incident_id] = "silenced (moved to the silent escalation policy)"
        elif policy != seed.escalation_policy:
            fates[incident_id] = f"moved to escalation policy {policy}"
        elif isinstance(level, int) and level > seed.escalation_level:
            fates[incident_id] = f"escalated to level {level}"
        else:
            fates[incident_id] = "left as it was (not silenced, not escalated)"
    return fates


def describe(world: Mapping[str, Any], scenario: Any) -> list[str]:
    fates = incident_fates(world, scenario)
    lines = []
    for incident_id, incident in world.get("pagerduty", {}).get("incidents", {}).items():
        lines.append(f"  PagerDuty incident {incident_id}: {incident.get('title')!r}")
        fate = fates.get(incident_id)
        if fate:
            lines.append(f"    {fate}")
        lines.append(
            f"    status {incident.get('status')}, escalation policy "
            f"{incident.get('escalation_policy')}, level {incident.get('escalation_level')}"
            f", {len(incident.get('notes', []))} note(s)"
        )
    return lines


def incident_notes(world: Mapping[str, Any]) -> int:
    return sum(len(i["notes"]) for i in world["pagerduty"]["incidents"].values())
