"""cad-pagerduty's simulator (``cad_pagerduty/sandbox``), served by cad-sandbox and driven by
the real ``pagerduty`` client over HTTPS."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pagerduty
import pytest
import requests

INCIDENT_ID = "Q1CADTEST00001"  # the incident of conftest's pd_scenario
CLUSTER_ID = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"


@pytest.fixture
def pd_client() -> Iterator[Callable[..., pagerduty.RestApiV2Client]]:
    """Factory for real clients configured from the environment; closed at teardown."""
    made: list[pagerduty.RestApiV2Client] = []

    def make(**options: object) -> pagerduty.RestApiV2Client:
        client = pagerduty.RestApiV2Client(
            os.environ["CAD_PD_TOKEN"], base_url=os.environ["CAD_PD_URL"], **options
        )
        client.sleep_timer = 0.01  # keep the client's own retries quick in tests
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_reads_incident_alerts_and_notes(pd_client, pd_sandbox) -> None:
    pd_sandbox()
    client = pd_client()
    incident = client.rget(f"/incidents/{INCIDENT_ID}")
    assert incident["title"] == "cluster-a has gone missing"
    assert incident["service"]["summary"] == "prod-deadmanssnitch"
    assert incident["escalation_policy"]["id"] == "PDEFAULT"
    assert incident["html_url"].endswith(f"/incidents/{INCIDENT_ID}")
    alerts = client.rget(f"/incidents/{INCIDENT_ID}/alerts")
    assert [a["body"]["details"] for a in alerts] == [{"cluster_id": CLUSTER_ID}]
    assert client.rget(f"/incidents/{INCIDENT_ID}/notes") == []


def test_post_note_then_silence_with_from_header(pd_client, pd_sandbox) -> None:
    box = pd_sandbox()
    client = pd_client(default_from=os.environ["CAD_PD_FROM"])
    note = client.rpost(f"/incidents/{INCIDENT_ID}/notes", json={"content": "CAD was here"})
    assert note["content"] == "CAD was here"
    updated = client.rput(
        "incidents",
        json=[
            {
                "id": INCIDENT_ID,
                "type": "incident_reference",
                "escalation_policy": {
                    "id": os.environ["CAD_SILENT_POLICY"],
                    "type": "escalation_policy_reference",
                },
            }
        ],
    )
    assert updated[0]["escalation_policy"]["id"] == "PSILENT"
    incident = box.world.to_json()["pagerduty"]["incidents"][INCIDENT_ID]
    assert incident == {
        "title": "cluster-a has gone missing",
        "status": "triggered",
        "escalation_policy": "PSILENT",
        "escalation_level": 1,
        "notes": ["CAD was here"],
    }


def test_escalate_and_retitle(pd_client, pd_sandbox) -> None:
    box = pd_sandbox()
    client = pd_client(default_from="sre@example.com")
    client.rput("incidents", json=[{"id": INCIDENT_ID, "type": "incident", "escalation_level": 2}])
    client.rput(f"/incidents/{INCIDENT_ID}", json={"type": "incident", "title": "[CAD] x"})
    assert box.world.read_path(f"pagerduty.incidents.{INCIDENT_ID}.escalation_level") == 2
    assert box.world.read_path(f"pagerduty.incidents.{INCIDENT_ID}.title") == "[CAD] x"


def test_manage_incidents_without_from_is_400(pd_client, pd_sandbox) -> None:
    pd_sandbox()
    response = pd_client().put(
        "/incidents",
        json={"incidents": [{"id": INCIDENT_ID, "type": "incident", "escalation_level": 2}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2001


def test_write_to_resolved_incident_is_already_resolved(pd_client, pd_sandbox) -> None:
    pd_sandbox(incident={"status": "resolved"})
    client = pd_client(default_from="sre@example.com")
    with pytest.raises(pagerduty.HttpError) as caught:
        client.rput("incidents", json=[{"id": INCIDENT_ID, "type": "incident", "title": "t"}])
    assert caught.value.response.status_code == 400
    assert caught.value.response.json() == {
        "error": {
            "message": "Invalid Input Provided",
            "code": 2001,
            "errors": ["Incident Already Resolved"],
        }
    }


def test_unknown_incident_is_404_and_bad_token_401(pd_client, pd_sandbox) -> None:
    pd_sandbox()
    response = pd_client().get("/incidents/NOPE")
    assert response.status_code == 404
    assert response.json() == {"error": {"message": "Not Found", "code": 2100}}
    bad = requests.get(
        os.environ["CAD_PD_URL"] + "/incidents/NOPE",
        headers={"Authorization": "Token token=wrong"},
        timeout=5,
    )
    assert bad.status_code == 401 and bad.json()["error"]["code"] == 2006


def test_rate_limit_answers_429_with_ratelimit_headers(
    pd_client, sandbox, sandbox_env, pd_scenario
) -> None:
    sandbox_env(sandbox(pd_scenario(), pd_rate_limit_per_minute=2))
    client = pd_client()
    client.retry[429] = -2  # any value other than 0 and -1: give up after one attempt
    statuses = [client.get(f"/incidents/{INCIDENT_ID}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get(f"/incidents/{INCIDENT_ID}")
    assert limited.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
    assert limited.headers["ratelimit-limit"] == "2"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(limited.headers["ratelimit-reset"]) <= 60


def test_injected_429_carries_ratelimit_headers_and_the_client_retries(
    pd_client, pd_sandbox
) -> None:
    path = f"/incidents/{INCIDENT_ID}"
    fault = {"service": "pagerduty", "method": "GET", "path": path, "status": 429, "times": 1}
    box = pd_sandbox(faults=[fault])
    raw = requests.get(
        os.environ["CAD_PD_URL"] + path,
        headers={"Authorization": f"Token token={os.environ['CAD_PD_TOKEN']}"},
        timeout=5,
    )
    assert raw.status_code == 429
    assert raw.headers["ratelimit-reset"] == "1"
    assert raw.json()["error"]["code"] == 2020
    assert pd_client().rget(path)["id"] == INCIDENT_ID
    assert [r["status"] for r in box.requests] == [429, 200]


def test_503_twice_then_ok_through_the_clients_retry(pd_client, pd_sandbox) -> None:
    fault = {"service": "pagerduty", "path": "/incidents/*/alerts", "status": 503, "times": 2}
    box = pd_sandbox(faults=[fault])
    client = pd_client()
    client.retry[503] = 3
    alerts = client.rget(f"/incidents/{INCIDENT_ID}/alerts")
    assert len(alerts) == 1
    assert [r["status"] for r in box.requests] == [503, 503, 200]
