"""The template's own tests: only this plugin loaded, run as `cad run` runs it, against
the chat service's simulator (``chat`` in conftest.py)."""

from __future__ import annotations

from typing import Any

from cad_core.testing import run_investigation

ONLY = ["example"]  # other installed plugins cannot disturb these tests
POSTED = {"channel": "ops", "text": "CAD looked at c1"}


def test_the_plan_posts_once_and_a_rerun_finds_it(chat: Any) -> None:
    [first] = run_investigation("hello", cluster="c1", params={"channel": "ops"}, plugins=ONLY)
    assert (first.type, first.status, first.executor) == (
        "chat_message",
        "succeeded",
        "example-chat",
    )
    assert chat.world == [POSTED]
    [again] = run_investigation("hello", cluster="c1", params={"channel": "ops"}, plugins=ONLY)
    assert again.status == "skipped_duplicate" and again.reason == "#ops already has this message"
    assert chat.world == [POSTED]  # the service was asked, so nothing was posted twice


def test_dry_run_writes_nothing(chat: Any) -> None:
    [outcome] = run_investigation("hello", cluster="c1", dry_run=True, plugins=ONLY)
    assert outcome.status == "dry_run"
    assert outcome.reason == "would run: post to #sre: 'CAD looked at c1'"
    assert chat.world == []
    assert not any(request["write"] for request in chat.requests)


def test_a_failing_chat_service_is_asked_again_before_the_retry(
    cad_simulator: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("CAD_RETRY_BASE_DELAY", "0.01")
    fault = {"service": "chat", "method": "POST", "path": "/messages", "status": 503, "times": 1}
    chat = cad_simulator("chat", faults=[fault])
    [outcome] = run_investigation("hello", cluster="c1", params={"channel": "ops"}, plugins=ONLY)
    assert outcome.status == "succeeded" and chat.world == [POSTED]
    assert [(r["method"], r["status"]) for r in chat.requests] == [
        ("GET", 200),
        ("POST", 503),
        ("GET", 200),
        ("POST", 201),
    ]


def test_the_plugin_claims_its_action_type(cad_plugins: Any) -> None:
    registry = cad_plugins("example")
    assert registry.plugins["example"].distribution == "cad-example"
    assert registry.executor("chat_message").name == "example-chat"
