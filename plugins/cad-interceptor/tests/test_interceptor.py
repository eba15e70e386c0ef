"""The interceptor over real HTTP on loopback, with two inline alert sources that sign
their webhooks in two different ways: the front door is generic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
import requests
from cad_core import ActionExecutor, Alert, AlertSource, BadInputError, TransientError, Verdict
from cad_core.config.routing import parse_config
from cad_core.testing import inline_plugin

from cad_interceptor.app import MAX_BODY, Interceptor
from cad_interceptor.envelope import MAX_SKELETON
from cad_interceptor.server import make_server, run_in_thread, shutdown

SECRET = "test-signing-secret"
OTHER_TOKEN = "other-source-token"
BODY = json.dumps({"event": {"data": {"id": "Q1", "title": "bump in the road"}}}).encode()


def hmac_sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify_hmac(headers: Mapping[str, Sequence[str]], body: bytes) -> Verdict:
    offered = list(headers.get("x-test-signature", ()))
    if not offered:
        return Verdict(accepted=False, reason="no X-Test-Signature")
    if not any(hmac.compare_digest(o, hmac_sign(body)) for o in offered):
        return Verdict(accepted=False, reason="X-Test-Signature does not match")
    ids = list(headers.get("x-delivery", ()))
    return Verdict(accepted=True, delivery_id=ids[0] if ids else "")


def verify_token(headers: Mapping[str, Sequence[str]], body: bytes) -> Verdict:
    if list(headers.get("x-other-token", ())) == [OTHER_TOKEN]:
        return Verdict(accepted=True)
    return Verdict(accepted=False, reason="no valid X-Other-Token")


class World:
    """What the inline plugins saw, and knobs to make the alert source fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.parse_failures = 0
        self.parse_gate: threading.Event | None = None

    def parse(self, payload: bytes) -> Alert | None:
        if self.parse_gate is not None:
            self.parse_gate.wait(timeout=30)
        if self.parse_failures:
            self.parse_failures -= 1
            raise TransientError("HTTP 429 from the alert API", retry_after=999)
        data = json.loads(payload).get("event", {}).get("data")
        if data is None:
            return None
        if "title" not in data:
            raise BadInputError("the payload has no event.data.title")
        return Alert(source="test", id=data["id"], title=data["title"], cluster_id="c1")

    def parse_other(self, payload: bytes) -> Alert | None:
        data = json.loads(payload)
        return Alert(source="other", id=data["ref"], title=data["name"], cluster_id="c2")

    def plugin(self) -> Any:
        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="recorder",
                action_types=("incident_note", "escalate_incident"),
                execute=lambda a, ctx: self.calls.append((a.type_id, a)),
            )

        def sources() -> Iterator[AlertSource]:
            yield AlertSource(name="test", parse=self.parse, verify=verify_hmac)
            yield AlertSource(name="other", parse=self.parse_other, verify=verify_token)
            yield AlertSource(name="unverified", parse=lambda payload: None)

        return inline_plugin(
            "interceptor-test", cad_action_executors=executors, cad_alert_sources=sources
        )


@pytest.fixture
def world() -> World:
    return World()


def serve(registry: Any, title: str) -> Iterator[tuple[str, str, Interceptor]]:
    config = parse_config({"alerts": [{"alert_title": title, "investigations": ["x"]}]}, "t.yaml")
    app = Interceptor(registry, config)
    server, health = make_server(app, "127.0.0.1", 0), make_server(app.health, "127.0.0.1", 0)
    threads = run_in_thread(server), run_in_thread(health)
    try:
        yield (
            f"http://127.0.0.1:{server.effective_port}",
            f"http://127.0.0.1:{health.effective_port}",
            app,
        )
    finally:  # stopped by their own loops: no "bad file descriptor", no waiting
        shutdown(server, threads[0], grace_seconds=5)
        shutdown(health, threads[1], grace_seconds=5)
        app.close()


@pytest.fixture
def served(cad_registry: Any, world: World) -> Iterator[tuple[str, str, Interceptor]]:
    yield from serve(cad_registry(world.plugin()), "bump in the road")


@pytest.fixture
def url(served: tuple[str, str, Interceptor]) -> str:
    return served[0]


def post(url: str, body: bytes | str, headers: dict[str, list[str]]) -> requests.Response:
    text = body.decode() if isinstance(body, bytes) else body
    return requests.post(url, json={"body": text, "header": headers}, timeout=10)


def signed(body: bytes = BODY, **extra: list[str]) -> dict[str, list[str]]:
    return {"X-Test-Signature": [hmac_sign(body)], **extra}


def test_a_verified_webhook_with_a_chain_continues_with_the_payload(url: str) -> None:
    response = post(url, BODY, signed())
    assert response.status_code == 200
    assert response.headers["Connection"] == "close"
    assert response.json() == {
        "continue": True,
        "status": {},
        "extensions": {"payload_base64": base64.b64encode(BODY).decode()},
    }


def test_a_second_source_with_its_own_scheme_is_served_by_the_same_door(
    cad_registry: Any, world: World
) -> None:
    body = json.dumps({"ref": "R7", "name": "no chain for this"}).encode()
    for base, _health, _app in serve(cad_registry(world.plugin()), "bump in the road"):
        response = post(base, body, {"X-Other-Token": [OTHER_TOKEN]})
        assert response.json() == {"continue": False, "status": {}}
    escalated = [a for kind, a in world.calls if kind == "incident_note"]
    assert "no automated investigation" in escalated[0].content


@pytest.mark.parametrize(
    "headers, detail",
    [
        ({"X-Test-Signature": ["sha256=00"]}, "test: X-Test-Signature does not match"),
        ({}, "test: no X-Test-Signature; other: no valid X-Other-Token"),
        ({"X-Other-Token": ["guess"]}, "other: no valid X-Other-Token"),
    ],
)
def test_unverified_requests_are_rejected_with_every_reason(
    url: str, headers: dict[str, list[str]], detail: str
) -> None:
    response = post(url, BODY, headers)
    assert response.status_code == 400
    assert response.text.startswith("signature verification failed: ")
    assert detail in response.text
    assert "unverified" not in response.text  # a source without verify is not asked


def test_a_tampered_body_is_rejected(url: str) -> None:
    response = post(url, BODY.replace(b"bump", b"dump"), signed())
    assert response.status_code == 400


def test_an_unmatched_alert_is_escalated_with_a_note(cad_registry: Any, world: World) -> None:
    for base, _health, _app in serve(cad_registry(world.plugin()), "no such alert"):
        response = post(base, BODY, signed())
    assert response.json() == {"continue": False, "status": {}}
    assert [kind for kind, _ in world.calls] == ["incident_note", "escalate_incident"]


def test_an_unreadable_alert_stops_with_invalid_argument(url: str) -> None:
    body = json.dumps({"event": {"data": {"id": "Q1"}}}).encode()
    response = post(url, body, signed(body))
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
        (b'{"body": "\\ud800", "header": {}}', 400, "invalid interceptor request"),  # issue 14.5
        (b"x" * (MAX_BODY + 10), 413, "body too large"),
    ],
)
def test_malformed_requests(url: str, raw: bytes, status: int, reason: str) -> None:
    response = requests.post(url, data=raw, timeout=10)
    assert response.status_code == status
    assert response.text.startswith(reason)
    assert response.headers["Content-Type"].startswith("text/plain")


def test_an_envelope_of_many_small_objects_is_refused_before_it_is_built(url: str) -> None:
    # Issue 14.1: the shape that made the old parser build millions of dicts.
    raw = b'{"header":{},"x":[' + b"{}," * (MAX_SKELETON // 3 + 10) + b'{}],"body":"a"}'
    response = requests.post(url, data=raw, timeout=10)
    assert response.status_code == 400
    assert "outside strings" in response.text


@pytest.mark.parametrize(
    "method, path, status",
    [("GET", "/", 405), ("PUT", "/", 405), ("POST", "/hook", 404), ("GET", "/x", 404)],
)
def test_only_post_on_the_webhook_path_is_a_webhook(
    url: str, method: str, path: str, status: int
) -> None:  # issue 14.6
    response = requests.request(method, url + path, data=b"{}", timeout=10)
    assert response.status_code == status
    if status == 405:
        assert response.headers["Allow"] == "POST"


def test_replays_of_one_delivery_start_at_most_one_run(url: str, world: World) -> None:
    answers = [post(url, BODY, signed()).json()["continue"] for _ in range(5)]
    assert answers == [True, False, False, False, False]  # issue 14.6: same body digest
    delivered = signed(**{"X-Delivery": ["d-1"]})
    other = BODY.replace(b"Q1", b"Q2")
    first = post(url, other, {**signed(other), "X-Delivery": ["d-2"]}).json()["continue"]
    again = post(url, other, {**signed(other), "X-Delivery": ["d-2"]}).json()["continue"]
    new = post(url, BODY, delivered).json()["continue"]  # a new delivery id is a new webhook
    assert (first, again, new) == (True, False, True)


def test_a_transient_failure_answers_503_and_the_retry_is_handled(
    url: str, world: World, caplog: pytest.LogCaptureFixture
) -> None:  # issue 14.4: a 429 is not INVALID_ARGUMENT, and it is logged at ERROR
    world.parse_failures = 1
    with caplog.at_level(logging.ERROR, logger="cad.interceptor"):
        response = post(url, BODY, signed())
    assert response.status_code == 503
    assert "HTTP 429" in response.text
    assert any(r.levelno == logging.ERROR and "503" in r.getMessage() for r in caplog.records)
    assert post(url, BODY, signed()).json()["continue"] is True  # the redelivery runs


def test_ready_and_metrics_answer_while_every_webhook_waits(
    served: tuple[str, str, Interceptor], world: World
) -> None:  # issue 14.3: no probe waits on a webhook's work
    url, health, app = served
    app.answer_within = 0.2
    world.parse_gate = threading.Event()
    try:
        assert post(url, BODY, signed()).status_code == 503  # still working
        assert requests.get(f"{health}/ready", timeout=5).status_code == 200
        metrics = requests.get(f"{health}/metrics", timeout=5).text
    finally:
        world.parse_gate.set()
    assert "cad_interceptor_requests_total 1.0" in metrics
    assert 'cad_interceptor_errors_total{error_code="503",reason="still working"} 1.0' in metrics
    # The redelivery finds the finished work and is the one told to continue.
    assert post(url, BODY, signed()).json()["continue"] is True


def test_a_verifier_that_raises_rejects(cad_registry: Any) -> None:
    def boom(headers: Mapping[str, Sequence[str]], body: bytes) -> Verdict:
        raise RuntimeError("verifier bug")

    def sources() -> Iterator[AlertSource]:
        yield AlertSource(name="broken", parse=lambda p: None, verify=boom)

    registry = cad_registry(inline_plugin("broken-source", cad_alert_sources=sources))
    for base, _health, _app in serve(registry, "x"):
        response = post(base, BODY, {})
    assert response.status_code == 400
    assert "broken: verification failed: verifier bug" in response.text


def test_a_signed_body_is_bounded_too(url: str) -> None:
    # Signed is not the same as cheap: the alert source never parses a costly shape.
    body = b'{"event": {"data": [' + b"{}," * 40_000 + b"{}]}}"
    answer = post(url, body, signed(body)).json()
    assert answer["continue"] is False
    assert "bytes outside strings" in answer["status"]["message"]
