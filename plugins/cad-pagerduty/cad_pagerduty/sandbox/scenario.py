"""The scenario's ``pagerduty:`` section (DESIGN §7): the incident, its alerts, the policies.

Converted by the core's strict YAML converter, so an unknown key or a wrong type is
reported with its line, as everywhere else in a scenario.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]


@dataclass(frozen=True, kw_only=True)
class ServiceRef:
    id: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class Incident:
    id: str
    title: str
    service: ServiceRef
    status: IncidentStatus = "triggered"
    escalation_level: int = 1
    escalation_policy: str = "PDEFAULT"

    def validate(self) -> None:
        if self.escalation_level < 1:
            raise ValueError("escalation_level must be 1 or more")


@dataclass(frozen=True, kw_only=True)
class Alert:
    details: Any = None  # left out on purpose to simulate an alert without details

    def validate(self) -> None:
        try:
            json.dumps(self.details)
        except (TypeError, ValueError):
            raise ValueError("details must be plain JSON data (quote timestamps)") from None


@dataclass(frozen=True, kw_only=True)
class OrgPolicy:
    escalation_policy: str
    org_ids: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class PagerDuty:
    incident: Incident
    alerts: tuple[Alert, ...] = ()
    webhook: Literal["v3", "event_orchestration"] = "v3"
    silent_policy: str = "PSILENT"
    # The escalation policies that exist; None: any id is accepted. When given, the
    # incident's own policy and silent_policy are added, so only other ids are refused.
    escalation_policies: tuple[str, ...] | None = None
    # CAD_ORG_POLICY_MAPPING, in upstream's shape: organisation ids -> escalation policy.
    org_policies: tuple[OrgPolicy, ...] = ()

    def __post_init__(self) -> None:
        if self.escalation_policies is not None:
            known = (*self.escalation_policies, self.incident.escalation_policy, self.silent_policy)
            object.__setattr__(self, "escalation_policies", tuple(dict.fromkeys(known)))
