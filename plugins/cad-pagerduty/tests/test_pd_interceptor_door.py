"""`cad interceptor` as a real process: the regressions of issue 22's webhook-port findings.

Counts, never durations: a webhook must get *an* answer, however slow the machine is.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from cad_pagerduty.signature import HEADER, sign

DATA = Path(__file__).parent / "data"
VECTOR = json.loads((DATA / "pagerduty_webhook_v3_signature_vector.json").read_text())
VECTOR_BODY = (DATA / "pagerduty_webhook_v3_signature_vector_body.raw.json").read_bytes()
SECRET = "interceptor-test-secret"  # the interceptor fixture's PD_SIGNATURE
WINDOW = "CAD_INTERCEPTOR_REPLAY_WINDOW_SECONDS"


def webhook(event_id: str, event_type: str = "incident.triggered") -> bytes:
    body = json.loads(VECTOR_BODY)
    body["event"].update(id=event_id, event_type=event_type)
    return json.dumps(body).encode()


def post(served: Any, body: bytes, **headers: list[str]) -> requests.Response:
    return served.post(body, {HEADER: [sign(body, SECRET)], **headers})


def post_quietly(served: Any, body: bytes) -> None:
    with contextlib.suppress(requests.RequestException):  # the process gets killed
        post(served, body)


def runs(answers: list[requests.Response]) -> int:
    return sum(1 for answer in answers if answer.json().get("continue"))


def writes(box: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in box.requests if r["method"] != "GET"]


def test_a_burst_of_idle_connections_does_not_hold_the_webhook_port(interceptor) -> None:
    # Issue 22.4: 300 connections that send nothing left the port unanswered for 40 s.
    served = interceptor()
    idle = [socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(300)]
    try:  # 20 s: ten times the goal, half of what it took before
        body = webhook("idle-burst")
        answer = served.post(body, {HEADER: [sign(body, SECRET)]}, timeout=20)
        ready = requests.get(served.ready, timeout=10)
    finally:
        for sock in idle:
            sock.close()
    assert answer.json()["continue"] is True
    assert ready.status_code == 200


def test_ready_says_so_when_the_webhook_port_does_not_answer(interceptor) -> None:
    # Issue 22.4: the health port stayed green while the webhook port answered nobody.
    served = interceptor(env={"CAD_INTERCEPTOR_ANSWER_SECONDS": "60"}, latency={"pagerduty": 8000})
    senders = [
        threading.Thread(target=post_quietly, args=(served, webhook(f"busy-{i}")), daemon=True)
        for i in range(16)  # every request thread now waits on PagerDuty
    ]
    for sender in senders:
        sender.start()
    try:
        probes = []
        for _ in range(20):
            probes.append(requests.get(served.ready, timeout=30))
            if probes[-1].status_code == 503:
                break
    finally:
        served.process.kill()
    assert probes[-1].status_code == 503
    assert "the webhook port" in probes[-1].text


@pytest.mark.campaign  # 1,200 webhooks: enough log lines to fill a pipe
def test_a_log_reader_that_stops_reading_never_stops_the_answers(interceptor) -> None:
    # Issue 22.5: the stderr pipe (read by nobody here) filled, and request threads blocked
    # writing log lines: 16 of 369 webhooks got no answer within 30 s.
    served = interceptor(env={"LOG_LEVEL": "debug"})
    numbers, unanswered, answered = iter(range(1200)), [], []

    def sender() -> None:
        for number in numbers:
            try:
                answered.append(post(served, webhook(f"load-{number}")).status_code)
            except requests.RequestException as error:
                unanswered.append(error)

    clients = [threading.Thread(target=sender) for _ in range(8)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    assert unanswered == []
    assert len(answered) == 1200 and set(answered) <= {200, 503}
    assert "Traceback" not in served.stop()


def test_a_replay_with_a_fresh_webhook_id_starts_no_second_run(interceptor) -> None:
    # Issue 22.6: X-Webhook-Id is not signed; 10 replays with fresh ids started 10 runs.
    served = interceptor()
    body = webhook("fresh-ids")
    answers = [post(served, body, **{"X-Webhook-Id": [f"id-{i}"]}) for i in range(10)]
    assert runs(answers) == 1


def test_a_full_replay_store_refuses_new_webhooks_and_forgets_nothing_live(interceptor) -> None:
    # Issue 22.6: past 10,000 keys the oldest were evicted and their replays worked again.
    served = interceptor(env={"CAD_INTERCEPTOR_REPLAY_MAX_KEYS": "100"})
    first = [post(served, webhook(f"k{i}")) for i in range(100)]
    refused = post(served, webhook("one-too-many"))
    replayed = post(served, webhook("k0"))
    metrics = requests.get(f"http://127.0.0.1:{served.health}/metrics", timeout=10).text
    assert runs(first) == 100
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "60"
    assert "replay store full" in refused.text
    assert replayed.json()["continue"] is False
    assert "cad_interceptor_replay_store_full_total 1.0" in metrics


@pytest.mark.parametrize("event_type", ["incident.acknowledged", "incident.annotated"])
def test_events_other_than_triggered_are_answered_and_never_run(interceptor, event_type) -> None:
    # Issue 22.12: acknowledged, annotated and ping events each ran the chain and wrote.
    served = interceptor()
    answer = post(served, webhook("not-a-new-incident", event_type))
    err = served.stop()
    assert answer.status_code == 200
    assert answer.json() == {"continue": False, "status": {}}
    assert f"PagerDuty {event_type} events are not investigated" in err
    assert writes(served.box) == [] and served.box.requests == []


def test_the_signature_vector_verifies_and_its_event_is_not_investigated(interceptor) -> None:
    # The reference vector (go-pagerduty): the real secret and header, an
    # incident.priority_updated event, so CAD answers it and does nothing more.
    served = interceptor(env={"PD_SIGNATURE": VECTOR["secret"]})
    valid = next(case["header"] for case in VECTOR["cases"] if case["name"] == "valid")
    answer = served.post(VECTOR_BODY, {HEADER: [valid]})
    mismatch = next(case["header"] for case in VECTOR["cases"] if case["name"] == "mismatch")
    refused = served.post(VECTOR_BODY, {HEADER: [mismatch]})
    assert answer.json() == {"continue": False, "status": {}}
    assert refused.status_code == 400
    assert served.box.requests == []


def test_cad_run_does_not_investigate_an_acknowledgement(
    cad, pd_sandbox: Callable[..., Any], tmp_path: Path
) -> None:  # issue 22.12, outside the interceptor
    box = pd_sandbox(incident={"id": "PGR0VU2", "title": "A little bump in the road"})
    payload = tmp_path / "ack.json"
    payload.write_bytes(webhook("ack", "incident.acknowledged"))
    config = tmp_path / "routing.yaml"
    config.write_text(
        "alerts:\n  - alert_title: bump in the road\n    investigations: [precheck]\n"
    )
    args = ["--payload-path", str(payload), "--config", str(config), "-l", "warn"]
    result = cad("run", *args, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "incident.acknowledged events are not investigated" in lines[0]
    assert writes(box) == []


def test_the_replay_window_survives_a_restart_with_a_state_dir(interceptor) -> None:
    # Issue 22.13: a restart or rollout forgot every delivery.
    served = interceptor()
    body = webhook("across-a-restart")
    before = post(served, body)
    err = served.stop()
    again = interceptor(box=served.box)
    after = post(again, body)
    assert (before.json()["continue"], after.json()["continue"]) == (True, False)
    assert "kept by the 'file' lock provider in files under" in err


def test_without_a_state_dir_the_log_says_the_window_is_in_memory(interceptor) -> None:
    served = interceptor(env={"CAD_STATE_DIR": ""})
    err = served.stop()
    assert "in memory only" in err and "A restart or rollout forgets it" in err


def test_with_leases_two_replicas_and_a_restart_share_one_window(interceptor) -> None:
    served = interceptor(env={"CAD_LOCK_PROVIDER": "lease"})
    replica = interceptor(env={"CAD_LOCK_PROVIDER": "lease"}, box=served.box)
    body = webhook("across-replicas")
    answers = [post(served, body), post(replica, body)]
    err = served.stop()
    replica.stop()
    restarted = interceptor(env={"CAD_LOCK_PROVIDER": "lease"}, box=served.box)
    answers.append(post(restarted, body))
    assert runs(answers) == 1
    assert "kept by the 'lease' lock provider in Leases in namespace" in err
    leases = served.box.world.sections["hostkube"]  # cad-lease's simulator: "<ns>/<name>"
    claims = [key.split("/")[1] for key in leases if key.split("/")[1].startswith("cad-replay-")]
    assert len(claims) == 1


def test_the_window_slides_with_each_replay(interceptor) -> None:
    served = interceptor(env={WINDOW: "6"})
    body = webhook("sliding")
    answers = [post(served, body)]
    for _ in range(4):  # 8 s in all, each replay within 6 s of the one before
        time.sleep(2)
        answers.append(post(served, body))
    assert runs(answers) == 1


@pytest.mark.parametrize("value", ["0", "0.0"])
def test_a_window_of_zero_is_refused_at_start(cad, tmp_path: Path, value: str) -> None:
    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\n")
    env = {
        **os.environ,
        "PD_SIGNATURE": SECRET,
        "CAD_INVESTIGATION_CONFIG_PATH": str(config),
        WINDOW: value,
    }
    result = cad("interceptor", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"cad: error: {WINDOW}=0 would turn replay protection off, which CAD does not "
        "allow; set at least 1 (the default is 600)"
    ]


def test_a_replay_window_that_cannot_be_read_is_a_503_not_a_run(interceptor) -> None:
    # Whether the webhook was seen is unknown: PagerDuty must deliver it again later.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"https://127.0.0.1:{closed.getsockname()[1]}"
    served = interceptor(env={"CAD_LOCK_PROVIDER": "lease", "CAD_LEASE_API_URL": nowhere})
    answer = post(served, webhook("store-down"))
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert "the replay window (Leases in namespace cad) cannot be read" in answer.text
