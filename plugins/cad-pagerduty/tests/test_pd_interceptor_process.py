"""`cad interceptor` as a real process (waitress, real sockets) in front of the sandbox's
PagerDuty simulator: the regressions of issue 14's front-door findings.

Bounds here are memory and counts, never durations: a probe must *answer* while the
webhook port is full or PagerDuty is slow, however long the machine takes.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from cad_pagerduty.signature import HEADER, sign

DATA = Path(__file__).parent / "data"
VECTOR_BODY = (DATA / "pagerduty_webhook_v3_signature_vector_body.raw.json").read_bytes()
# The vector is an incident.priority_updated event, which CAD does not investigate (issue
# 22.12); the same bytes as a new incident's event are what starts a run.
TRIGGERED = VECTOR_BODY.replace(b'"incident.priority_updated"', b'"incident.triggered"')
SECRET = "interceptor-test-secret"  # the interceptor fixture's PD_SIGNATURE
MIB = 1024 * 1024


def with_event_id(body: bytes, event_id: str) -> bytes:
    return body.replace(b"01BWDWL3NYY7LUFPZCC28QUCMK", event_id.encode(), 1)


def signed(body: bytes = TRIGGERED, **extra: list[str]) -> dict[str, list[str]]:
    return {HEADER: [sign(body, SECRET)], **extra}


def test_a_signed_webhook_continues_and_the_process_stops_cleanly(interceptor) -> None:
    served = interceptor()
    answer = served.post(TRIGGERED, signed()).json()
    assert answer["continue"] is True
    assert base64.b64decode(answer["extensions"]["payload_base64"]) == TRIGGERED
    err = served.stop()
    assert served.process.returncode == 0, err
    assert "interceptor stopped" in err and "Traceback" not in err
    assert SECRET not in err


def test_an_unsigned_5_mib_envelope_costs_less_than_4x_its_size(interceptor) -> None:
    # Issue 14.1: this shape made the old parser peak at 162 MiB.
    served = interceptor()
    before = served.peak_rss()
    raw = b'{"header":{},"x":[' + b"{}," * (5 * MIB // 3 - 20) + b'{}],"body":"a"}'
    response = requests.post(served.url, data=raw, timeout=60)
    assert response.status_code == 400
    # A valid-looking unsigned envelope of the same size: refused by the signature check.
    body = json.dumps({"pad": "a" * (5 * MIB - 200)}).encode()
    assert served.post(body, {}).status_code == 400
    assert served.peak_rss() - before < 4 * 5 * MIB


def test_slow_clients_never_starve_the_probes(interceptor) -> None:
    # Issue 14.2: 100+ half-sent requests on the webhook port.
    served = interceptor()
    slow = []
    try:
        for _ in range(120):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n")
            slow.append(sock)
        answers = [requests.get(served.ready, timeout=10).status_code for _ in range(5)]
    finally:
        for sock in slow:
            sock.close()
    assert answers == [200] * 5


def test_probes_answer_while_pagerduty_is_slow(interceptor) -> None:
    # Issue 14.3: webhooks wait on PagerDuty; /ready does not wait on them.
    served = interceptor(env={"CAD_INTERCEPTOR_ANSWER_SECONDS": "60"}, latency={"pagerduty": 5000})
    pool = ThreadPoolExecutor(6)
    try:
        webhooks = [
            pool.submit(served.post, body, signed(body))
            for body in (with_event_id(TRIGGERED, f"w{i}") for i in range(6))
        ]
        answers = [requests.get(served.ready, timeout=10).status_code for _ in range(5)]
        still_busy = sum(not w.done() for w in webhooks)
    finally:
        served.process.kill()  # the webhooks' answers are not what this test is about
        pool.shutdown(wait=True)
    assert answers == [200] * 5
    assert still_busy > 0  # the probes really ran while webhooks were waiting


def test_a_pagerduty_429_is_a_503_logged_at_error(interceptor) -> None:
    # Issue 14.4: it used to be "200 continue:false INVALID_ARGUMENT", with no log.
    fault = {"service": "pagerduty", "path": "*/alerts", "status": 429}
    served = interceptor(faults=[fault])
    response = served.post(TRIGGERED, signed())
    err = served.stop()
    assert response.status_code == 503
    assert "429" in response.text
    assert any(" ERROR " in line and "503" in line for line in err.splitlines()), err


def test_a_lone_surrogate_is_a_400_without_a_traceback(interceptor) -> None:
    # Issue 14.5
    served = interceptor()
    response = requests.post(served.url, data=b'{"body": "\\ud800", "header": {}}', timeout=30)
    err = served.stop()
    assert response.status_code == 400
    assert "Traceback" not in err


def test_only_post_on_the_path_and_replays_start_one_run(interceptor) -> None:
    # Issue 14.6
    served = interceptor()
    assert requests.get(served.url, timeout=30).status_code == 405
    assert requests.post(served.url + "hook", data=b"{}", timeout=30).status_code == 404
    answers = [served.post(TRIGGERED, signed()).json()["continue"] for _ in range(10)]
    assert answers.count(True) == 1
    # Issue 22.6: the delivery is named by the signed event.id, not by X-Webhook-Id.
    fresh = with_event_id(TRIGGERED, "delivery-7")
    first = served.post(fresh, signed(fresh, **{"X-Webhook-Id": ["a"]})).json()["continue"]
    other = fresh.replace(b"Tenex Engineer", b"Tenex Engineers")  # same event, other bytes
    again = served.post(other, signed(other, **{"X-Webhook-Id": ["b"]})).json()["continue"]
    assert (first, again) == (True, False)


def test_a_bad_listen_address_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # Issue 14.11: it used to be "internal error", exit 1.
    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\n")
    env = {**os.environ, "PD_SIGNATURE": SECRET, "CAD_INVESTIGATION_CONFIG_PATH": str(config)}
    result = subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "interceptor"]
        + ["--host", "256.1.1.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("cad: error: cannot listen on")


def test_without_secrets_it_refuses_to_start(cad) -> None:
    result = cad("interceptor", env={k: v for k, v in os.environ.items() if k != "PD_SIGNATURE"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "cad: error: missing required setting (the webhook signing secret(s), "
        "comma-separated): PD_SIGNATURE; export it and run again"
    ]


@pytest.mark.parametrize("value", ["api.pagerduty.com", "http://api.pagerduty.com", "https://"])
def test_a_malformed_pagerduty_url_stops_cad_run_before_any_request(
    cad, tmp_path: Path, value: str
) -> None:  # issue 14.11
    payload = tmp_path / "payload.json"
    payload.write_bytes(TRIGGERED)
    env = {**os.environ, "CAD_PD_URL": value, "CAD_PD_TOKEN": "pd-token-value"}
    result = cad("run", "--payload-path", str(payload), env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("cad: error: CAD_PD_URL=")
