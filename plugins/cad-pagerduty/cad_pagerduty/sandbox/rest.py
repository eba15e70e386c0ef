"""PagerDuty REST API v2: the incident, its alerts and notes, and incident updates."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cad_core.plugins.simulation import SimHost, SimWorld
from cad_core.plugins.simwire import (
    BaseSimulator,
    HttpProblem,
    Mount,
    Request,
    Response,
    Router,
    Simulator,
    json_response,
    mounted,
    segment,
)
from cad_pagerduty.sandbox.state import (
    IncidentState,
    PagerDutyState,
    rate_limit_headers,
    utc_now,
)
from cad_pagerduty.sandbox.webhook import incident_html_url, policy_html_url, service_html_url

ERROR_CODES = {400: 2001, 401: 2006, 403: 2010, 404: 2100, 429: 2020}
DOCUMENTED_RATE_LIMIT = 960  # requests per minute, PagerDuty's published default
INCIDENT_TYPES = ("incident", "incident_reference")
STATUSES = ("triggered", "acknowledged", "resolved")


def invalid_input(*errors: str) -> HttpProblem:
    return HttpProblem(400, "Invalid Input Provided", code=2001, errors=list(errors))


RATE_LIMIT_OPTION = "pd_rate_limit_per_minute"  # a test's requests-per-minute limit


def hosts(world: SimWorld, state: PagerDutyState) -> dict[str, Mount]:
    """One host, the REST API at its root, logged as ``pagerduty``."""
    simulator = PagerDutySimulator(world, state)

    def mount(request: Request) -> Simulator:
        return mounted(request, "pagerduty", request.raw_path, simulator)

    return {"pagerduty": mount}


class PagerDutySimulator(BaseSimulator[SimWorld]):
    def __init__(self, world: SimWorld, state: PagerDutyState) -> None:
        self.state = state
        self.token = state.token
        super().__init__(world)

    @property
    def rate_limit_per_minute(self) -> int | None:
        limit = self.world.options.get(RATE_LIMIT_OPTION)
        return None if limit is None else int(limit)

    def add_routes(self, router: Router) -> None:
        incident = f"/incidents/{segment('incident_id')}"
        router.add("GET", incident, self.get_incident)
        router.add("GET", f"{incident}/alerts", self.list_alerts)
        router.add("GET", f"{incident}/notes", self.list_notes)
        router.add("POST", f"{incident}/notes", self.create_note)
        router.add("PUT", "/incidents", self.manage_incidents)
        router.add("PUT", incident, self.update_incident)

    def handle(self, request: Request) -> Response:
        with self.world.lock:
            allowed, limit_headers = self.state.rate_limit(self.rate_limit_per_minute)
        if not allowed:
            response = self.error(request, 429, "Rate Limit Exceeded")
        elif request.headers.get("Authorization") != f"Token token={self.token}":
            response = self.error(request, 401, "Authentication failed")
        else:
            response = super().handle(request)
        response.headers.update(limit_headers)
        return response

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        body: dict[str, Any] = {"message": message}
        code = details.get("code", ERROR_CODES.get(status))
        if code is not None:
            body["code"] = code
        if details.get("errors"):
            body["errors"] = details["errors"]
        return json_response(status, {"error": body})

    def fault_headers(self, status: int) -> dict[str, str]:
        if status != 429:
            return {}
        limit = self.rate_limit_per_minute or DOCUMENTED_RATE_LIMIT
        return rate_limit_headers(limit, 0, 1)

    # --- reads ------------------------------------------------------------------------------

    def get_incident(self, request: Request, incident_id: str) -> Response:
        with self.world.lock:
            incident = self._incident(incident_id)
            return json_response(200, {"incident": incident_json(incident, _api(request))})

    def list_alerts(self, request: Request, incident_id: str) -> Response:
        limit = max(1, _int_param(request, "limit", 25))
        offset = _int_param(request, "offset", 0)
        with self.world.lock:
            incident = self._incident(incident_id)
            alerts = [
                alert_json(incident, number, _api(request))
                for number in range(1, len(incident.alerts) + 1)
            ]
        wants_total = request.param("total") == "true"
        return json_response(
            200,
            {
                "alerts": alerts[offset : offset + limit],
                "limit": limit,
                "offset": offset,
                "more": offset + limit < len(alerts),
                "total": len(alerts) if wants_total else None,
            },
        )

    def list_notes(self, request: Request, incident_id: str) -> Response:
        with self.world.lock:
            notes = [dict(note) for note in self._incident(incident_id).notes]
        return json_response(200, {"notes": notes})

    # --- writes -----------------------------------------------------------------------------

    def create_note(self, request: Request, incident_id: str) -> Response:
        note = request.json_object().get("note")
        content = note.get("content") if isinstance(note, dict) else None
        if not isinstance(content, str) or not content.strip():
            raise invalid_input("Note content can't be blank")
        with self.world.lock:
            incident = self._incident(incident_id)
            created = {
                "id": self.world.next_id("PNOTE"),
                "user": _user_reference(request),
                "channel": {"summary": "The PagerDuty website or APIs"},
                "content": content,
                "created_at": _timestamp(utc_now()),
            }
            incident.notes.append(created)
        return json_response(201, {"note": created})

    def manage_incidents(self, request: Request) -> Response:
        _require_from(request)
        entries = request.json_object().get("incidents")
        if not isinstance(entries, list) or not entries:
            raise invalid_input("incidents must be a non-empty list")
        if not all(isinstance(entry, dict) and entry.get("id") for entry in entries):
            raise invalid_input("each incident must be an object with an id")
        with self.world.lock:
            targets = [self._writable(entry.get("id")) for entry in entries]
            for entry in entries:
                _check_update(entry, self._known_policies())
            for incident, entry in zip(targets, entries, strict=True):
                _apply_update(incident, entry)
            updated = [incident_json(incident, _api(request)) for incident in targets]
        return json_response(200, {"incidents": updated})

    def update_incident(self, request: Request, incident_id: str) -> Response:
        _require_from(request)
        entry = request.json_object().get("incident")
        if not isinstance(entry, dict):
            raise invalid_input("incident must be an object")
        with self.world.lock:
            incident = self._writable(incident_id)
            _check_update(entry, self._known_policies())
            _apply_update(incident, entry)
            return json_response(200, {"incident": incident_json(incident, _api(request))})

    def _known_policies(self) -> tuple[str, ...] | None:
        """The scenario's escalation policies (None: any id is accepted)."""
        section = self.state.section
        return section.escalation_policies if section else None

    def _incident(self, incident_id: Any) -> IncidentState:
        incidents = self.state.incidents
        incident = incidents.get(incident_id) if isinstance(incident_id, str) else None
        if incident is None:
            raise HttpProblem(404, "Not Found")
        return incident

    def _writable(self, incident_id: Any) -> IncidentState:
        incident = self._incident(incident_id)
        if incident.status == "resolved":
            raise invalid_input("Incident Already Resolved")
        return incident


def _require_from(request: Request) -> None:
    if not (request.headers.get("From") or "").strip():
        raise invalid_input("The From header is required and must be a user's email address")


def _check_update(entry: dict[str, Any], known_policies: tuple[str, ...] | None) -> None:
    """Reject the whole request before anything changes, as PagerDuty does."""
    if entry.get("type") not in INCIDENT_TYPES:
        raise invalid_input("Incident type must be incident or incident_reference")
    policy = entry.get("escalation_policy")
    if "escalation_policy" in entry and not (
        isinstance(policy, dict)
        and isinstance(policy.get("id"), str)
        and policy["id"]
        and policy.get("type") == "escalation_policy_reference"
    ):
        raise invalid_input("Escalation Policy must be an escalation_policy_reference with an id")
    if (
        "escalation_policy" in entry
        and known_policies is not None
        and entry["escalation_policy"]["id"] not in known_policies
    ):
        raise invalid_input("Escalation Policy not found")
    level = entry.get("escalation_level")
    if "escalation_level" in entry and not (type(level) is int and level >= 1):
        raise invalid_input("Escalation Level must be a positive integer")
    title = entry.get("title")
    if "title" in entry and not (isinstance(title, str) and title.strip()):
        raise invalid_input("Title can't be blank")
    if "status" in entry and entry["status"] not in STATUSES:
        raise invalid_input("Status must be triggered, acknowledged or resolved")


def _apply_update(incident: IncidentState, entry: dict[str, Any]) -> None:
    if "escalation_policy" in entry:
        incident.escalation_policy = entry["escalation_policy"]["id"]
        incident.escalation_level = 1  # a new policy starts from its first level
    if "escalation_level" in entry:
        incident.escalation_level = entry["escalation_level"]
    if "title" in entry:
        incident.title = entry["title"]
    if "status" in entry:
        incident.status = entry["status"]


def incident_json(incident: IncidentState, api: str) -> dict[str, Any]:
    return {
        "id": incident.id,
        "type": "incident",
        "summary": f"[#1] {incident.title}",
        "self": f"{api}/incidents/{incident.id}",
        "html_url": incident_html_url(incident.id),
        "incident_number": 1,
        "title": incident.title,
        "created_at": _timestamp(incident.created_at),
        "status": incident.status,
        "incident_key": None,
        "service": _service_reference(incident, api),
        "assignments": [],
        "assigned_via": "escalation_policy",
        "escalation_policy": {
            "id": incident.escalation_policy,
            "type": "escalation_policy_reference",
            "summary": incident.escalation_policy,
            "self": f"{api}/escalation_policies/{incident.escalation_policy}",
            "html_url": policy_html_url(incident.escalation_policy),
        },
        "escalation_level": incident.escalation_level,
        "teams": [],
        "urgency": "high",
        "priority": None,
        "alert_counts": _alert_counts(incident),
        "incident_type": {"name": "incident_default"},
    }


def alert_json(incident: IncidentState, number: int, api: str) -> dict[str, Any]:
    alert_id = f"{incident.id}A{number:03d}"
    body: dict[str, Any] = {"type": "alert_body", "contexts": []}
    details = incident.alerts[number - 1].details
    if details is not None:
        body["details"] = details
    return {
        "id": alert_id,
        "type": "alert",
        "summary": incident.title,
        "self": f"{api}/incidents/{incident.id}/alerts/{alert_id}",
        "html_url": f"{incident_html_url(incident.id)}/alerts/{alert_id}",
        "created_at": _timestamp(incident.created_at),
        "status": "resolved" if incident.status == "resolved" else "triggered",
        "alert_key": f"{incident.id}-{number}",
        "service": _service_reference(incident, api),
        "body": body,
        "incident": {"id": incident.id, "type": "incident_reference"},
        "suppressed": False,
        "severity": "critical",
    }


def _alert_counts(incident: IncidentState) -> dict[str, int]:
    total = len(incident.alerts)
    resolved = total if incident.status == "resolved" else 0
    return {"all": total, "triggered": total - resolved, "resolved": resolved}


def _service_reference(incident: IncidentState, api: str) -> dict[str, Any]:
    return {
        "id": incident.service_id,
        "type": "service_reference",
        "summary": incident.service_summary,
        "self": f"{api}/services/{incident.service_id}",
        "html_url": service_html_url(incident.service_id),
    }


def _user_reference(request: Request) -> dict[str, Any]:
    return {
        "id": "PSANDBOX",
        "type": "user_reference",
        "summary": request.headers.get("From") or "CAD sandbox API token",
    }


def _api(request: Request) -> str:
    return f"https://{request.headers.get('Host', '127.0.0.1')}"


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.param(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise invalid_input(f"{name} must be a non-negative integer")
    return int(raw)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


PD_FROM = "cad-sandbox@example.com"


def exported_settings(host: SimHost) -> dict[str, str]:
    """cad-pagerduty's client, its silent policy and the organisations' routing."""
    state: PagerDutyState = host.state
    return {
        "CAD_PD_URL": host.url,
        "CAD_PD_TOKEN": state.token,
        "CAD_PD_FROM": PD_FROM,
        "CAD_SILENT_POLICY": state.section.silent_policy if state.section else "PSILENT",
        "CAD_ORG_POLICY_MAPPING": org_policy_mapping(state),
    }


def org_policy_mapping(state: PagerDutyState) -> str:
    """The scenario's organisation routing as CAD_ORG_POLICY_MAPPING JSON ('' for none)."""
    policies = state.section.org_policies if state.section else ()
    if not policies:
        return ""
    organizations = [
        {"name": p.name, "org_ids": list(p.org_ids), "escalation_policy": p.escalation_policy}
        for p in policies
    ]
    return json.dumps({"organizations": organizations})
