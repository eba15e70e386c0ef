"""Webhook parsing up to the first REST call: shapes, required fields, settings.

Everything here is decided before PagerDuty is contacted, so no server is needed.
The source is taken from the registry built through entry points, as `cad` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cad_core.errors import BadInputError, MissingSettingError

V3_SAMPLES = (
    "pagerduty_webhook_v3_incident_priority_updated",
    "pagerduty_webhook_v3_signature_vector_body.raw",
    "pagerduty_webhook_v3_incident_triggered_thirdparty_agent_null",
    "pagerduty_webhook_v3_incident_triggered_thirdparty_events_api_agent",
)
V3_REQUIRED = (
    "event.event_type",
    "event.data.service.id",
    "event.data.service.summary",
    "event.data.title",
    "event.data.id",
    "event.data.html_url",
)


@pytest.fixture
def parse(pd_registry: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], Any]:
    # No server in these tests: any attempt to reach PagerDuty must fail loudly.
    monkeypatch.setenv("CAD_PD_URL", "https://127.0.0.1:9")
    monkeypatch.setenv("CAD_PD_TOKEN", "offline-token")
    source = pd_registry.unique("cad_alert_sources")["pagerduty"].item

    def run(body: Any) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return source.parse(raw)

    return run


def _drop(body: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    del node[last]


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"alert": {"id": "x"}}',
        b'{"event": "not an object"}',
    ],
)
def test_a_body_that_is_no_pagerduty_webhook_is_left_to_other_sources(parse, raw):
    assert parse(raw) is None


def test_a_service_event_is_not_an_incident(parse, reference):
    assert parse(reference("pagerduty_webhook_v3_service_updated")) is None


def test_a_subscription_request_is_no_webhook(parse, reference):
    assert parse(reference("pagerduty_webhook_v3_create_subscription_request")) is None


def test_a_note_event_is_not_an_incident(parse, reference):
    note = reference("pagerduty_webhook_v3_event_data_incident_note")
    body = {
        "event": {"event_type": "incident.annotated", "resource_type": "incident", "data": note}
    }
    assert parse(body) is None


def test_a_ping_is_not_an_incident(parse):
    ping = {
        "event": {
            "id": "01",
            "event_type": "pagey.ping",
            "resource_type": "pagey",
            "agent": None,
            "client": None,
            "data": {"message": "Hello from your friend Pagey!", "type": "ping"},
        }
    }
    assert parse(ping) is None


@pytest.mark.parametrize("sample", V3_SAMPLES)
@pytest.mark.parametrize("path", V3_REQUIRED)
def test_each_missing_v3_field_is_reported_by_its_path(parse, reference, sample, path):
    body = reference(sample)
    _drop(body, path)
    with pytest.raises(BadInputError, match=f"lacks {path}:"):
        parse(body)


@pytest.mark.parametrize("path", V3_REQUIRED)
def test_an_empty_v3_field_counts_as_missing(parse, reference, path):
    body = reference(V3_SAMPLES[0])
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    node[last] = "  "
    with pytest.raises(BadInputError, match=f"lacks {path}:"):
        parse(body)


def test_fields_are_checked_in_upstream_order(parse, reference):
    body = reference(V3_SAMPLES[0])
    _drop(body, "event.data.html_url")
    _drop(body, "event.data.title")
    _drop(body, "event.data.service.summary")
    with pytest.raises(BadInputError, match="lacks event.data.service.summary:"):
        parse(body)


def test_the_incident_data_type_alone_is_not_an_envelope(parse, reference):
    # `event.data` without the envelope is not a webhook body at all.
    assert parse(reference("pagerduty_webhook_v3_event_data_incident")) is None


@pytest.mark.parametrize(
    "body",
    [
        {"__pd_metadata": {"incident": {"id": ""}}},
        {"__pd_metadata": {"incident": {}}},
        {"__pd_metadata": {}},
        {"__pd_metadata": None},
        {"__pd_metadata": {"incident": {"id": 42}}},
    ],
)
def test_an_orchestration_body_without_an_incident_id_is_bad_input(parse, body):
    with pytest.raises(BadInputError, match=r"lacks __pd_metadata\.incident\.id"):
        parse(body)


def test_a_missing_token_is_named(parse, reference, monkeypatch):
    monkeypatch.delenv("CAD_PD_TOKEN")
    with pytest.raises(MissingSettingError, match="CAD_PD_TOKEN"):
        parse(reference(V3_SAMPLES[2]))  # a triggered event: its alerts are read
    with pytest.raises(MissingSettingError, match="CAD_PD_TOKEN"):
        parse(reference("pagerduty_event_orchestration_webhook_pd_metadata"))
