"""The PagerDuty webhook body a scenario implies, as PagerDuty would deliver it.

V3 bodies follow a real ``incident.triggered`` delivery (agent and client null, as when an
integration triggers the incident); Event Orchestration bodies carry only the incident id,
so the consumer must fetch the incident over REST.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from cad_core.errors import BadInputError
from cad_pagerduty.sandbox.scenario import Incident, PagerDuty

PD_WEB_URL = "https://cad-sandbox.pagerduty.com"
PD_API_URL = "https://api.pagerduty.com"


def webhook_body(scenario: Any, api_url: str | None = None) -> bytes:
    """The raw webhook bytes for the scenario's incident, in the scenario's webhook format."""
    section: PagerDuty | None = getattr(scenario, "pagerduty", None)
    if section is None:
        raise BadInputError(f"scenario {scenario.source or scenario.name}: no pagerduty incident")
    api_url = api_url or PD_API_URL
    incident = section.incident
    if section.webhook == "event_orchestration":
        payload: dict[str, Any] = {"__pd_metadata": {"incident": {"id": incident.id}}}
    else:
        payload = _v3_event(incident, scenario.now, api_url)
    return json.dumps(payload, indent=2).encode()


def incident_html_url(incident_id: str) -> str:
    return f"{PD_WEB_URL}/incidents/{incident_id}"


def service_html_url(service_id: str) -> str:
    return f"{PD_WEB_URL}/service-directory/{service_id}"


def policy_html_url(policy_id: str) -> str:
    return f"{PD_WEB_URL}/escalation_policies/{policy_id}"


def _v3_event(incident: Incident, now: datetime, api_url: str) -> dict[str, Any]:
    return {
        "event": {
            "id": _event_id(incident.id),
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "agent": None,
            "client": None,
            "data": _v3_incident_data(incident, now, api_url),
        }
    }


def _v3_incident_data(incident: Incident, now: datetime, api_url: str) -> dict[str, Any]:
    policy = incident.escalation_policy
    return {
        "id": incident.id,
        "type": "incident",
        "self": f"{api_url}/incidents/{incident.id}",
        "html_url": incident_html_url(incident.id),
        "number": 1,
        "status": incident.status,
        "incident_key": None,
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": incident.title,
        "service": {
            "id": incident.service.id,
            "type": "service_reference",
            "self": f"{api_url}/services/{incident.service.id}",
            "html_url": service_html_url(incident.service.id),
            "summary": incident.service.summary,
        },
        "assignees": [],
        "escalation_policy": {
            "id": policy,
            "type": "escalation_policy_reference",
            "self": f"{api_url}/escalation_policies/{policy}",
            "html_url": policy_html_url(policy),
            "summary": policy,
        },
        "teams": [],
        "priority": None,
        "urgency": "high",
        "conference_bridge": None,
        "resolve_reason": None,
        "incident_type": {"name": "incident_default"},
    }


def _event_id(incident_id: str) -> str:
    """A stable, PagerDuty-looking event id, so one scenario always yields the same bytes."""
    digest = hashlib.sha256(incident_id.encode()).hexdigest().upper()
    return "01" + digest[:24]
