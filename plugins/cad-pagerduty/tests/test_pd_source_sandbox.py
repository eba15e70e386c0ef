"""The alert source against the sandbox's PagerDuty simulator, over real HTTPS.

The webhook bodies are the reference samples; the simulator holds the incident they name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cad_core.errors import BadInputError, NotFoundError, PermanentError

DATA = Path(__file__).parent / "data"
TESTDATA_DETAILS = "cad_testdata_pagerduty_alert_list"
V3_SAMPLES = (
    "pagerduty_webhook_v3_incident_priority_updated",
    "pagerduty_webhook_v3_signature_vector_body.raw",
    "pagerduty_webhook_v3_incident_triggered_thirdparty_agent_null",
    "pagerduty_webhook_v3_incident_triggered_thirdparty_events_api_agent",
)


@pytest.fixture
def parse(pd_registry: Any) -> Any:
    source = pd_registry.unique("cad_alert_sources")["pagerduty"].item
    return lambda body: source.parse(body if isinstance(body, bytes) else json.dumps(body).encode())


@pytest.fixture
def testdata_alerts(reference: Any) -> list[dict[str, Any]]:
    """CAD's alert testdata, as the simulator's alert seeds."""
    return [{"details": a["body"]["details"]} for a in reference(TESTDATA_DETAILS)]


def triggered(body: dict[str, Any]) -> dict[str, Any]:
    """The sample as a new incident's event: the only kind CAD investigates."""
    body["event"]["event_type"] = "incident.triggered"
    return body


@pytest.mark.parametrize("sample", V3_SAMPLES)
def test_v3_samples_become_alerts(
    parse, reference, pd_sandbox, requests_of, testdata_alerts, sample
):
    body = triggered(reference(sample))
    data = body["event"]["data"]
    box = pd_sandbox(incident={"id": data["id"]}, alerts=testdata_alerts)
    alert = parse(body)
    assert (alert.source, alert.id, alert.title, alert.url) == (
        "pagerduty",
        data["id"],
        data["title"],
        data["html_url"],
    )
    assert (alert.service_id, alert.service_name) == (
        data["service"]["id"],
        data["service"]["summary"],
    )
    assert alert.cluster_id == "my-test-cluster-id"
    assert dict(alert.extra) == {"webhook": "v3", "event_type": body["event"]["event_type"]}
    # The incident came with the webhook: only the alerts are read, once.
    assert requests_of(box) == [("GET", f"/incidents/{data['id']}/alerts", 200)]


def test_the_signed_body_is_parsed_from_its_exact_bytes(parse, pd_sandbox):
    # The interceptor verifies the HMAC over these bytes and hands the same bytes on.
    raw = (DATA / "pagerduty_webhook_v3_signature_vector_body.raw.json").read_bytes()
    pd_sandbox(incident={"id": "PGR0VU2"})
    alert = parse(raw)
    assert (alert.id, alert.title) == ("PGR0VU2", "A little bump in the road")


def test_an_orchestration_body_reads_the_incident(
    parse, reference, pd_sandbox, requests_of, testdata_alerts
):
    body = reference("pagerduty_event_orchestration_webhook_pd_metadata")
    incident_id = body["__pd_metadata"]["incident"]["id"]
    box = pd_sandbox(
        incident={
            "id": incident_id,
            "title": "ClusterHasGoneMissing CRITICAL (1)",
            "service": {"id": "PDMS", "summary": "prod-deadmanssnitch"},
        },
        alerts=testdata_alerts,
    )
    alert = parse(body)
    assert (alert.id, alert.title, alert.service_id, alert.service_name) == (
        incident_id,
        "ClusterHasGoneMissing CRITICAL (1)",
        "PDMS",
        "prod-deadmanssnitch",
    )
    assert alert.url.endswith(f"/incidents/{incident_id}")
    assert alert.cluster_id == "my-test-cluster-id"
    assert alert.extra["webhook"] == "event_orchestration"
    assert requests_of(box) == [
        ("GET", f"/incidents/{incident_id}", 200),
        ("GET", f"/incidents/{incident_id}/alerts", 200),
    ]


@pytest.mark.parametrize("webhook", ["v3", "event_orchestration"])
def test_the_sandbox_webhooks_round_trip(parse, pd_sandbox, webhook):
    box = pd_sandbox(webhook=webhook)
    alert = parse(box.webhook_body())
    assert (alert.id, alert.title, alert.cluster_id, alert.service_name) == (
        "Q1CADTEST00001",
        "cluster-a has gone missing",
        "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q",
        "prod-deadmanssnitch",
    )


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"notes": "cluster_id: 654321"}, "654321"),
        ({"firing": "Labels:\n - hosted_cluster_id = hcp-1\n - cluster_id = mgmt-2\n"}, "mgmt-2"),
        (
            {"cluster_id": "plain", "notes": "cluster_id: old", "firing": "cluster_id = older"},
            "plain",
        ),
    ],
)
def test_cluster_id_formats_through_the_api(parse, pd_sandbox, details, expected):
    box = pd_sandbox(alerts=[{"details": details}])
    assert parse(box.webhook_body()).cluster_id == expected


def test_only_hosted_cluster_id_is_no_cluster_id(parse, pd_sandbox):
    box = pd_sandbox(alerts=[{"details": {"firing": " - hosted_cluster_id = hcp-1\n"}}])
    with pytest.raises(BadInputError, match="no cluster id found in the alerts"):
        parse(box.webhook_body())


def test_an_alert_without_details_is_named(parse, pd_sandbox):
    box = pd_sandbox(alerts=[{}])  # the simulator leaves `details` out
    with pytest.raises(BadInputError, match="alert Q1CADTEST00001A001 .* has no details"):
        parse(box.webhook_body())


def test_an_incident_without_alerts_has_no_cluster_id(parse, pd_sandbox, requests_of):
    box = pd_sandbox(alerts=[])
    with pytest.raises(
        BadInputError,
        match="no cluster id found in the alerts of PagerDuty incident Q1CADTEST00001",
    ):
        parse(box.webhook_body())
    assert len(requests_of(box)) == 1


def test_an_unknown_incident_is_not_found(parse, reference, pd_sandbox):
    pd_sandbox()  # holds Q1CADTEST00001, not the sample's incident
    with pytest.raises(NotFoundError, match="incident Q0OGN8S5WIM0FX not found"):
        parse(reference("pagerduty_event_orchestration_webhook_pd_metadata"))


def test_a_rejected_token_is_named_but_never_shown(parse, pd_sandbox, monkeypatch):
    box = pd_sandbox()
    wrong = "wrong-key-Zq81xv"
    monkeypatch.setenv("CAD_PD_TOKEN", wrong)
    with pytest.raises(PermanentError) as caught:
        parse(box.webhook_body())
    message = str(caught.value)
    assert "CAD_PD_TOKEN" in message and "401" in message
    assert wrong not in message and wrong[-4:] not in message
    assert caught.value.__cause__ is None  # the client's own text quotes part of the key
    assert box.secrets.pd_token not in message


@pytest.mark.parametrize("status", ["triggered", "acknowledged", "resolved"])
def test_an_incident_resolved_since_its_webhook_is_reported_resolved(
    parse, reference, pd_sandbox, status
):  # issue 14.13: the webhook says triggered, but the alerts are resolved by now
    body = triggered(reference("pagerduty_webhook_v3_signature_vector_body.raw"))
    pd_sandbox(incident={"id": body["event"]["data"]["id"], "status": status})
    assert parse(body).resolved is (status == "resolved")


@pytest.mark.parametrize(
    "event_type",
    [
        "incident.priority_updated",
        "incident.acknowledged",
        "incident.annotated",
        "incident.reopened",
    ],
)
def test_events_other_than_triggered_are_ignored_without_a_request(
    parse, reference, pd_sandbox, requests_of, event_type
):  # issue 22.12
    body = reference("pagerduty_webhook_v3_signature_vector_body.raw")
    body["event"]["event_type"] = event_type
    box = pd_sandbox(incident={"id": body["event"]["data"]["id"]})
    alert = parse(body)
    assert alert.ignored == (
        f"PagerDuty {event_type} events are not investigated (only incident.triggered)"
    )
    assert not alert.resolved and requests_of(box) == []


def test_a_resolved_event_is_reported_resolved(parse, reference, pd_sandbox):
    body = reference("pagerduty_webhook_v3_signature_vector_body.raw")
    body["event"]["data"]["status"] = "resolved"
    pd_sandbox(incident={"id": body["event"]["data"]["id"]})
    assert parse(body).resolved is True
