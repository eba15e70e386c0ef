"""The template's own tests: only this plugin loaded, run as `cad run` runs it."""

from __future__ import annotations

from typing import Any

from cad_core.testing import run_investigation

ONLY = ["example"]  # other installed plugins cannot disturb these tests


def test_the_plan_posts_once_and_a_rerun_finds_it(chat: list[Any]) -> None:
    [first] = run_investigation("hello", cluster="c1", params={"channel": "ops"}, plugins=ONLY)
    assert (first.type, first.status, first.executor) == (
        "chat_message",
        "succeeded",
        "example-chat",
    )
    assert chat == [{"channel": "ops", "text": "CAD looked at c1"}]
    [again] = run_investigation("hello", cluster="c1", params={"channel": "ops"}, plugins=ONLY)
    assert again.status == "skipped_duplicate" and again.reason == "#ops already has this message"
    assert len(chat) == 1  # the service was asked, so nothing was posted twice


def test_dry_run_writes_nothing(chat: list[Any]) -> None:
    [outcome] = run_investigation("hello", cluster="c1", dry_run=True, plugins=ONLY)
    assert outcome.status == "dry_run"
    assert outcome.reason == "would run: post to #sre: 'CAD looked at c1'"
    assert chat == []


def test_the_plugin_claims_its_action_type(cad_plugins: Any) -> None:
    registry = cad_plugins("example")
    assert registry.plugins["example"].distribution == "cad-example"
    assert registry.executor("chat_message").name == "example-chat"
