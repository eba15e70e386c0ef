"""The PagerDuty part of a sandbox world: the incident as it changes, the API token, the
rate-limit window; seeded from the scenario's ``pagerduty:`` section."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cad_pagerduty.sandbox.scenario import Alert, PagerDuty

RATE_LIMIT_WINDOW_S = 60.0


@dataclass
class IncidentState:
    id: str
    title: str
    status: str
    service_id: str
    service_summary: str
    escalation_policy: str
    escalation_level: int
    created_at: datetime
    alerts: tuple[Alert, ...]
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PagerDutyState:
    section: PagerDuty | None
    incidents: dict[str, IncidentState]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    rate_window: tuple[float, int] = (0.0, 0)  # window start (monotonic), requests in it

    @property
    def secrets(self) -> dict[str, str]:
        return {"pd_token": self.token}

    def rate_limit(self, limit: int | None) -> tuple[bool, dict[str, str]]:
        """Count one request; (allowed, ratelimit-* headers), or (True, {}) without a limit.

        Called under the world's lock."""
        if limit is None:
            return True, {}
        start, used = self.rate_window
        now = time.monotonic()
        if now - start >= RATE_LIMIT_WINDOW_S:
            start, used = now, 0
        used += 1
        self.rate_window = (start, used)
        reset = max(1, round(RATE_LIMIT_WINDOW_S - (now - start)))
        return used <= limit, rate_limit_headers(limit, max(0, limit - used), reset)


def rate_limit_headers(limit: int, remaining: int, reset_s: int) -> dict[str, str]:
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(reset_s),
    }


def seed(scenario: Any) -> PagerDutyState:
    section: PagerDuty | None = scenario.pagerduty
    if section is None:
        return PagerDutyState(section, {})
    seed = section.incident
    state = IncidentState(
        id=seed.id,
        title=seed.title,
        status=seed.status,
        service_id=seed.service.id,
        service_summary=seed.service.summary,
        escalation_policy=seed.escalation_policy,
        escalation_level=seed.escalation_level,
        created_at=scenario.now,
        alerts=section.alerts,
    )
    return PagerDutyState(section, {seed.id: state})


def render(state: PagerDutyState) -> dict[str, Any]:
    """DESIGN §7's ``pagerduty`` entry of the world JSON."""
    return {
        "pagerduty": {
            "incidents": {i.id: _incident_json(i) for i in state.incidents.values()},
        }
    }


def _incident_json(incident: IncidentState) -> dict[str, Any]:
    return {
        "title": incident.title,
        "status": incident.status,
        "escalation_policy": incident.escalation_policy,
        "escalation_level": incident.escalation_level,
        "notes": [note["content"] for note in incident.notes],
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
