"""The ``pagerduty`` alert source: a webhook body in, a :class:`cad_core.Alert` out.

Two bodies are understood (upstream ``GetPDClient``):

* a Webhooks V3 delivery, ``{"event": {...}}``, which carries the incident itself;
* an Event Orchestration automation action, ``{"__pd_metadata": {"incident": {"id"}}}``,
  which carries only the id, so the incident is read from the REST API.

Either way the cluster id is read once from the incident's alerts.

Only an ``incident.triggered`` event starts an investigation (issue 22.12: acknowledged,
annotated and ping events each ran the whole chain, and CAD's own notes could start more
runs). Any other incident event comes back with ``ignored`` set, before any API call, so
the core answers it and does nothing. An orchestration webhook is an automation action
someone chose to run on a new incident: it is investigated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from cad_core.errors import BadInputError
from cad_core.run.context import Alert
from cad_pagerduty import cluster_id, incidents
from cad_pagerduty.errors import ClusterIdNotFoundError

SOURCE = "pagerduty"
INCIDENT = "incident"
log = logging.getLogger("cad.pagerduty")

# Checked in upstream's order, so the first missing field reported is the same one.
V3_REQUIRED = (
    "event.event_type",
    "event.data.service.id",
    "event.data.service.summary",
    "event.data.title",
    "event.data.id",
    "event.data.html_url",
)
ORCHESTRATION_ID = "__pd_metadata.incident.id"
INVESTIGATED = ("incident.triggered",)
RESOLVED_EVENT = "incident.resolved"


def parse(payload: bytes) -> Alert | None:
    """The alert, or None when the body is not a PagerDuty incident webhook."""
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):  # not JSON (or absurdly nested): not ours
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("event"), dict):
        return _from_v3(body)
    if "__pd_metadata" in body:
        return _from_orchestration(body)
    return None


def _lookup(body: Mapping[str, Any], path: str) -> Any:
    value: Any = body
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _required(body: Mapping[str, Any], path: str, webhook: str) -> str:
    value = _lookup(body, path)
    if not isinstance(value, str) or not value.strip():
        raise BadInputError(
            f"the PagerDuty {webhook} payload lacks {path}: it must be a non-empty string"
        )
    return value


def _about_something_else(event: Mapping[str, Any]) -> bool:
    """V3 also delivers service events and pings; those are not incidents for CAD."""
    data = event.get("data")
    kinds = (event.get("resource_type"), data.get("type") if isinstance(data, dict) else None)
    return any(isinstance(kind, str) and kind != INCIDENT for kind in kinds)


def _from_v3(body: Mapping[str, Any]) -> Alert | None:
    if _about_something_else(body["event"]):
        log.info(
            "ignoring PagerDuty %s event: it is not about an incident",
            _lookup(body, "event.event_type"),
        )
        return None
    event_type, service_id, service_name, title, incident_id, url = (
        _required(body, path, "webhook V3") for path in V3_REQUIRED
    )
    status = _lookup(body, "event.data.status")
    extra = {"webhook": "v3", "event_type": event_type}
    resolved = status == incidents.RESOLVED or event_type == RESOLVED_EVENT
    ignored = ""
    if event_type not in INVESTIGATED and not resolved:
        ignored = f"PagerDuty {event_type} events are not investigated (only {INVESTIGATED[0]})"
    return _alert(incident_id, title, service_id, service_name, url, extra, resolved, ignored)


def _from_orchestration(body: Mapping[str, Any]) -> Alert:
    incident_id = _required(body, ORCHESTRATION_ID, "Event Orchestration")
    incident = incidents.get_incident(incident_id)
    service = incident.get("service")
    if not isinstance(service, dict):
        service = {}
    return _alert(
        incident_id,
        _text(incident.get("title")),
        _text(service.get("id")),
        _text(service.get("summary")),
        _text(incident.get("html_url")),
        {"webhook": "event_orchestration", "event_type": ""},
        resolved=incidents.is_resolved(incident),
    )


def read(incident_id: str) -> Alert:
    """The incident as PagerDuty sees it now (``AlertSource.read``): ``cad apply`` checks
    that it is still open and still about the plan's cluster. An incident whose alerts
    name no cluster is read with an empty cluster id rather than refused here."""
    incident = incidents.get_incident(incident_id)
    alerts = incidents.list_alerts(incident_id)
    try:
        found = cluster_id.from_alerts(alerts, incident_id)
    except ClusterIdNotFoundError:
        found = ""
    statuses = {a.get("status") for a in alerts if isinstance(a, dict)}
    service = incident.get("service")
    return Alert(
        source=SOURCE,
        id=incident_id,
        title=_text(incident.get("title")),
        cluster_id=found,
        service_id=_text(service.get("id")) if isinstance(service, dict) else "",
        url=_text(incident.get("html_url")),
        resolved=incidents.is_resolved(incident) or statuses == {incidents.RESOLVED},
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _alert(
    incident_id: str,
    title: str,
    service_id: str,
    service_name: str,
    url: str,
    extra: dict[str, str],
    resolved: bool = False,
    ignored: str = "",
) -> Alert:
    found = ""
    if not ignored:  # an event CAD does not investigate needs nothing from the API
        alerts = incidents.list_alerts(incident_id)
        found = cluster_id.from_alerts(alerts, incident_id)
        # The webhook may be older than the run: every alert resolved means the incident is.
        statuses = {a.get("status") for a in alerts if isinstance(a, dict)}
        resolved = resolved or statuses == {incidents.RESOLVED}
    return Alert(
        source=SOURCE,
        id=incident_id,
        title=title,
        cluster_id=found,
        service_id=service_id,
        service_name=service_name,
        url=url,
        extra=extra,
        resolved=resolved,
        ignored=ignored,
    )
