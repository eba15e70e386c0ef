"""What touches the cluster is read ahead only after the chain's first entry let it go on.

A declared ``scope="investigation"`` resource (``kube``: its build opens a backplane
remediation) must never start before precheck, the chain's first entry, has looked at
access protection; once precheck has finished, it starts at once, beside the entries that
still run before its investigation (docs/resources.md#reads-that-overlap).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cad_core import (
    ActionExecutor,
    Alert,
    AlertSource,
    Investigation,
    InvestigationResult,
    Resource,
)
from cad_core.run.app import RunRequest, execute
from cad_core.testing import inline_plugin

WAIT_S = 30  # only reached when the overlap is missing: the test then fails, not hangs

CHAIN = """
chain_heads: [first, second]
alerts:
  - alert_title: has gone missing
    name: missing
    investigations: [main]
"""


class Trace:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.kube_opened = threading.Event()
        self.lock = threading.Lock()

    def add(self, event: str) -> None:
        with self.lock:
            self.events.append(event)


def _parse(payload: bytes) -> Alert | None:
    data = json.loads(payload)
    return Alert(source="test", id="Q7", title=data["title"], cluster_id="2abc")


def _plugin(trace: Trace, first_stops: bool) -> Any:
    def first(ctx: Any) -> InvestigationResult:
        trace.add("first ran")
        return InvestigationResult(stop_chain="stopped" if first_stops else None)

    def second(ctx: Any) -> InvestigationResult:
        # Holds the chain until main's kube has opened: only a read ahead can open it now.
        trace.add(f"second saw kube: {trace.kube_opened.wait(WAIT_S)}")
        return InvestigationResult()

    def main(ctx: Any) -> InvestigationResult:
        ctx.resource("kube")
        return InvestigationResult()

    def open_kube(resources: Any) -> str:
        trace.add(f"kube opened for {resources.run.investigation}")
        trace.kube_opened.set()
        return "client"

    return inline_plugin(
        "cluster-world",
        cad_alert_sources=lambda: [AlertSource(name="test-webhook", parse=_parse)],
        cad_action_executors=lambda: [
            ActionExecutor(
                name="recorder",
                action_types=("incident_note", "escalate_incident", "incident_title"),
                execute=lambda action, ctx: None,
            )
        ],
        cad_resources=lambda: [Resource("kube", open_kube, scope="investigation")],
        cad_investigations=lambda: [
            Investigation("first", first),
            Investigation("second", second),
            Investigation("main", main, prefetch=("kube",)),
        ],
    )


@pytest.fixture
def run_chain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    from cad_core.plugins.registry import build_registry, set_registry

    monkeypatch.setenv("CAD_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.delenv("CAD_PREFETCH_WORKERS", raising=False)
    config = tmp_path / "routing.yaml"
    config.write_text(CHAIN, encoding="utf-8")

    def run(trace: Trace, first_stops: bool = False) -> Any:
        set_registry(build_registry([_plugin(trace, first_stops)], entry_points=False))
        payload = json.dumps({"title": "cluster-a has gone missing"}).encode()
        return execute(RunRequest(payload=payload, config=str(config)))

    yield run
    set_registry(None)


def test_kube_opens_after_the_first_entry_beside_the_entries_before_its_investigation(
    run_chain: Any,
) -> None:
    trace = Trace()
    record = run_chain(trace)
    assert record.outcome == "succeeded", record.errors
    assert trace.events == ["first ran", "kube opened for main", "second saw kube: True"]


def test_nothing_touches_the_cluster_when_the_first_entry_stops_the_chain(run_chain: Any) -> None:
    trace = Trace()
    run_chain(trace, first_stops=True)
    assert trace.events == ["first ran"]
