"""`cad interceptor` over real HTTP on loopback, with PagerDuty's signature test vector."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cad_core import ActionExecutor, Alert, AlertSource, BadInputError
from cad_core.config import parse_config
from cad_core.interceptor.app import MAX_BODY, Interceptor
from cad_core.interceptor.server import make_server
from cad_core.interceptor.signature import sign
from cad_core.testing import inline_plugin

# Copies of the shared reference vector and its body; each has a .source.txt.
REFERENCE = Path(__file__).parent / "data"
VECTOR = json.loads((REFERENCE / "pagerduty_webhook_v3_signature_vector.json").read_text())
BODY = (REFERENCE / VECTOR["body_file"]).read_bytes()
SECRET = VECTOR["secret"]
VALID, MISMATCH = VECTOR["cases"][0]["header"], VECTOR["cases"][1]["header"]


def parse(payload: bytes) -> Alert | None:
    data = json.loads(payload).get("event", {}).get("data")
    if data is None:
        return None
    if "title" not in data:
        raise BadInputError("the payload has no event.data.title")
    return Alert(source="test", id=data["id"], title=data["title"], cluster_id="c1")


class Escalations:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def plugin(self) -> Any:
        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="recorder",
                action_types=("incident_note", "escalate_incident"),
                execute=lambda a, ctx: self.calls.append((a.type_id, a)),
            )

        def sources() -> Iterator[AlertSource]:
            yield AlertSource(name="test", parse=parse)

        return inline_plugin(
            "interceptor-test", cad_action_executors=executors, cad_alert_sources=sources
        )


def serve(registry: Any, title: str, secrets: list[str]) -> Iterator[str]:
    config = parse_config({"alerts": [{"alert_title": title, "investigations": ["x"]}]}, "t.yaml")
    server = make_server(Interceptor(registry, config, secrets), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
        thread.join(timeout=5)


@pytest.fixture
def escalations() -> Escalations:
    return Escalations()


@pytest.fixture
def url(cad_registry: Any, escalations: Escalations) -> Iterator[str]:
    yield from serve(cad_registry(escalations.plugin()), "bump in the road", [SECRET])


def post(url: str, body: bytes | str, headers: dict[str, list[str]]) -> requests.Response:
    text = body.decode() if isinstance(body, bytes) else body
    # Connection: close, so that stopping the server never waits on an idle keep-alive.
    return requests.post(
        url, json={"body": text, "header": headers}, timeout=10, headers={"Connection": "close"}
    )


def test_valid_signature_with_a_chain_continues_with_the_payload(url: str) -> None:
    response = post(url, BODY, {"X-PagerDuty-Signature": [VALID]})
    assert response.status_code == 200
    assert response.json() == {
        "continue": True,
        "status": {},
        "extensions": {"payload_base64": base64.b64encode(BODY).decode()},
    }


@pytest.mark.parametrize(
    "headers, detail",
    [
        ({"X-PagerDuty-Signature": [MISMATCH]}, "no X-PagerDuty-Signature signature matches"),
        ({"X-PagerDuty-Signature": [""]}, "header is missing or has no v1= signature"),
        ({}, "header is missing or has no v1= signature"),
        ({"X-PagerDuty-Signature": ["v0=abc,v1=zz"]}, "header is missing or has no v1= signature"),
    ],
)
def test_bad_signatures_are_rejected(url: str, headers: dict[str, list[str]], detail: str) -> None:
    response = post(url, BODY, headers)
    assert response.status_code == 400
    assert response.text.startswith("signature verification failed: ")
    assert detail in response.text


def test_tampered_body_is_rejected(url: str) -> None:
    tampered = BODY.replace(b"Tenex", b"Tenez")
    response = post(url, tampered, {"X-PagerDuty-Signature": [VALID]})
    assert response.status_code == 400


def test_empty_body_is_rejected(url: str) -> None:
    response = post(url, "", {"X-PagerDuty-Signature": [VALID]})
    assert response.status_code == 400 and "body is empty" in response.text


def test_any_of_several_signatures_may_match(url: str) -> None:
    header = f"{MISMATCH},v1=nothex,{VALID}"
    assert post(url, BODY, {"x-pagerduty-signature": [header]}).json()["continue"] is True


def test_rotated_secrets_any_may_sign(cad_registry: Any, escalations: Escalations) -> None:
    registry = cad_registry(escalations.plugin())
    for base in serve(registry, "bump", ["old-secret", SECRET]):
        assert post(base, BODY, {"X-PagerDuty-Signature": [VALID]}).json()["continue"] is True


def test_unmatched_alert_is_escalated_with_a_note(
    cad_registry: Any, escalations: Escalations
) -> None:
    registry = cad_registry(escalations.plugin())
    for base in serve(registry, "no such alert", [SECRET]):
        response = post(base, BODY, {"X-PagerDuty-Signature": [VALID]})
    assert response.json() == {"continue": False, "status": {}}
    assert [kind for kind, _ in escalations.calls] == ["incident_note", "escalate_incident"]
    assert "no automated investigation" in escalations.calls[0][1].content


def test_unreadable_alert_stops_with_invalid_argument(url: str) -> None:
    body = json.dumps({"event": {"data": {"id": "Q1"}}})
    response = post(url, body, {"X-PagerDuty-Signature": [sign(body.encode(), SECRET)]})
    assert response.json() == {
        "continue": False,
        "status": {
            "code": 3,
            "message": "cannot read the alert: the payload has no event.data.title",
        },
    }


@pytest.mark.parametrize(
    "raw, status, reason",
    [
        (b"not json", 400, "invalid interceptor request"),
        (b'{"body": 5}', 400, "invalid interceptor request"),
        (b'{"body": "x", "header": []}', 400, "invalid interceptor request"),
        (b"x" * (MAX_BODY + 10), 413, "body too large"),
    ],
)
def test_malformed_requests(url: str, raw: bytes, status: int, reason: str) -> None:
    response = requests.post(url, data=raw, timeout=10)
    assert response.status_code == status
    assert response.text.startswith(reason)
    assert response.headers["Content-Type"].startswith("text/plain")


def test_ready_and_metrics(url: str) -> None:
    assert requests.get(f"{url}/ready", timeout=5).status_code == 200
    post(url, BODY, {"X-PagerDuty-Signature": [MISMATCH]})
    metrics = requests.get(f"{url}/metrics", timeout=5).text
    assert "cad_interceptor_requests_total 1.0" in metrics
    assert (
        'cad_interceptor_errors_total{error_code="400",reason="signature verification failed"} 1.0'
    ) in metrics


def test_cad_interceptor_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PD_SIGNATURE": SECRET, "CAD_INVESTIGATION_CONFIG_PATH": str(config)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cad_core.cli import main; main()",
            "interceptor",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(200):
            try:
                if requests.get(f"http://127.0.0.1:{port}/ready", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "shutting down" in stderr and "interceptor stopped" in stderr
    assert SECRET not in stderr


def test_cad_interceptor_without_secrets_is_one_clear_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PD_SIGNATURE"}
    result = subprocess.run(
        [sys.executable, "-c", "from cad_core.cli import main; main()", "interceptor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "cad: error: missing required setting (the webhook signing secret(s), comma-separated): "
        "PD_SIGNATURE; export it and run again"
    ]
