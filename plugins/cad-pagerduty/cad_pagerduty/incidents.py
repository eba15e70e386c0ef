"""The PagerDuty REST operations CAD uses, one small function each.

Bodies follow PagerDuty's REST API v2 reference (and upstream CAD, where it uses the same
endpoint). Every function raises the core's typed errors through :func:`client.call`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cad_core.errors import PermanentError
from cad_pagerduty.client import call

RESOLVED = "resolved"


def _path(incident_id: str, *rest: str) -> str:
    # Ids come from webhook bodies: quote them so they can never change the path.
    return "/".join(("/incidents", quote(incident_id, safe=""), *rest))


def _field(body: Any, key: str, kind: type, what: str) -> Any:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise PermanentError(f"PagerDuty answered {what} without the expected '{key}' field")
    return value


def get_incident(incident_id: str) -> dict[str, Any]:
    path = _path(incident_id)
    incident: dict[str, Any] = _field(
        call("GET", path, incident_id), "incident", dict, f"GET {path}"
    )
    return incident


def list_alerts(incident_id: str) -> list[dict[str, Any]]:
    """The first page of the incident's alerts (CAD reads no further, like upstream)."""
    path = _path(incident_id, "alerts")
    alerts: list[Any] = _field(call("GET", path, incident_id), "alerts", list, f"GET {path}")
    return [alert for alert in alerts if isinstance(alert, dict)]


def note_contents(incident_id: str) -> list[str]:
    path = _path(incident_id, "notes")
    notes = _field(call("GET", path, incident_id), "notes", list, f"GET {path}")
    contents = (n.get("content") if isinstance(n, dict) else None for n in notes)
    return [c for c in contents if isinstance(c, str)]


def add_note(incident_id: str, content: str) -> None:
    call(
        "POST",
        _path(incident_id, "notes"),
        incident_id,
        json={"note": {"content": content}},
        write=True,
    )


def update(incident_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    """PUT /incidents with one entry: several changes to one incident in one request (e.g.
    a policy and a title); the reply holds the updated incident (None if it does not)."""
    entry = {"id": incident_id, "type": "incident", **fields}
    reply = call("PUT", "/incidents", incident_id, json={"incidents": [entry]}, write=True)
    updated = reply.get("incidents") if isinstance(reply, dict) else None
    if isinstance(updated, list) and updated and isinstance(updated[0], dict):
        return updated[0]
    return None


def policy_fields(policy_id: str) -> dict[str, Any]:
    return {"escalation_policy": {"id": policy_id, "type": "escalation_policy_reference"}}


def move_to_policy(incident_id: str, policy_id: str) -> dict[str, Any] | None:
    return update(incident_id, policy_fields(policy_id))


def set_title(incident_id: str, title: str) -> dict[str, Any] | None:
    reply = call(
        "PUT",
        _path(incident_id),
        incident_id,
        json={"incident": {"type": "incident", "title": title}},
        write=True,
    )
    incident = reply.get("incident") if isinstance(reply, dict) else None
    return incident if isinstance(incident, dict) else None


def is_resolved(incident: dict[str, Any]) -> bool:
    return incident.get("status") == RESOLVED


def policy_id(incident: dict[str, Any]) -> str:
    policy = incident.get("escalation_policy")
    value = policy.get("id") if isinstance(policy, dict) else None
    return value if isinstance(value, str) else ""


def escalation_level(incident: dict[str, Any]) -> int:
    """The current level; PagerDuty may leave it out, and upstream then assumes 1."""
    level = incident.get("escalation_level")
    return level if isinstance(level, int) and not isinstance(level, bool) and level > 0 else 1
