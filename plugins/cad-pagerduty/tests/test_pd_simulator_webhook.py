"""The webhook deliveries cad-pagerduty's simulator (``cad_pagerduty/sandbox``) builds for
a scenario's incident: a v3 delivery shaped like a real one, or Event Orchestration's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cad_core.errors import BadInputError
from cad_sandbox.scenario import bundled_examples, load_scenario

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
# Copies of the shared reference payloads; each has a .source.txt naming where it is from.
DATA = Path(__file__).parent / "data"


def test_v3_webhook_body_looks_like_a_real_delivery() -> None:
    scenario = load_scenario(bundled_examples()["chgm-customer-stopped-instances"], now=NOW)
    event = json.loads(scenario.webhook_body())["event"]
    assert event["event_type"] == "incident.triggered"
    assert event["agent"] is None and event["client"] is None
    assert event["occurred_at"] == "2026-03-01T12:00:00.000Z"
    data = event["data"]
    assert data["id"] == "Q1CADTEST00001" and data["title"] == "cluster-a has gone missing"
    assert data["service"] == {
        "id": "PSVC001",
        "type": "service_reference",
        "self": "https://api.pagerduty.com/services/PSVC001",
        "html_url": data["service"]["html_url"],
        "summary": "prod-deadmanssnitch",
    }
    assert data["html_url"].endswith("/incidents/Q1CADTEST00001")
    reference = DATA / "pagerduty_webhook_v3_incident_triggered_thirdparty_agent_null.json"
    real = json.loads(reference.read_text())["event"]
    assert set(event) == set(real)
    assert set(data) == set(real["data"])


def test_event_orchestration_webhook_carries_only_the_incident_id() -> None:
    scenario = load_scenario(
        {
            "pagerduty": {
                "incident": {"id": "Q9", "title": "t", "service": {"id": "S", "summary": "s"}},
                "webhook": "event_orchestration",
            }
        },
        now=NOW,
    )
    assert json.loads(scenario.webhook_body()) == {"__pd_metadata": {"incident": {"id": "Q9"}}}


def test_webhook_without_an_incident_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="no pagerduty incident"):
        load_scenario({"name": "empty"}, now=NOW).webhook_body()
