"""An investigation's own resources (``scope="investigation"``) close beside its plan, the
run's at its end (cad_core/run/closing.py, docs/resources.md#when-resources-close).

The whole path against the sandbox (the remediation's DELETE in the request log, SIGTERM)
is in plugins/cad-ocm/tests/test_ocm_remediation_closing.py; an executor that declares
its resource: cad-restartcontrolplane's tests/test_rcp_remediation_kept.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
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
from cad_core.errors import TransientError
from cad_core.plan.actions import IncidentNote
from cad_core.run.app import RunRequest, execute
from cad_core.testing import inline_plugin

WAIT_S = 30  # only reached when the overlap is missing: the test then fails, not hangs

ROUTING = """
alerts:
  - alert_title: has gone missing
    name: missing
    investigations: [main]
"""


class Access:
    """A stand-in for a remediation: knows when it was closed, and refuses use after."""

    count = 0

    def __init__(self, trace: list[str]) -> None:
        Access.count += 1
        self.name, self.trace = f"access-{Access.count}", trace
        self.closed = threading.Event()

    def use(self) -> str:
        assert not self.closed.is_set(), f"{self.name} used after it was closed"
        return self.name

    def close(self) -> None:
        self.trace.append(f"closed {self.name}")
        self.closed.set()


def _parse(payload: bytes) -> Alert | None:
    return Alert(source="test", id="Q7", title=json.loads(payload)["title"], cluster_id="2abc")


def _plugin(
    main: Callable[[Any], InvestigationResult],
    note: Callable[[Any], None],
    resources: list[Resource],
    note_uses: tuple[str, ...] = (),
    prefetch: tuple[str, ...] = (),
) -> Any:
    return inline_plugin(
        "closing-world",
        cad_alert_sources=lambda: [AlertSource(name="test-webhook", parse=_parse)],
        cad_action_executors=lambda: [
            ActionExecutor(
                name="notes",
                action_types=("incident_note",),
                execute=_note(note),
                resources=note_uses,
            ),
            ActionExecutor(
                name="pager",
                action_types=("escalate_incident", "incident_title"),
                execute=lambda action, ctx: None,
            ),
        ],
        cad_resources=lambda: resources,
        cad_investigations=lambda: [Investigation("main", main, prefetch=prefetch)],
    )


def _note(note: Callable[[Any], None]) -> Callable[[Any, Any], None]:
    def execute_note(action: Any, ctx: Any) -> None:
        if action.content == "found":  # the investigation's own note, not CAD's escalation
            note(ctx)

    return execute_note


@pytest.fixture
def run_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    from cad_core.plugins.registry import build_registry, set_registry

    monkeypatch.setenv("CAD_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.01")
    monkeypatch.delenv("CAD_PREFETCH_WORKERS", raising=False)
    config = tmp_path / "routing.yaml"
    config.write_text(ROUTING, encoding="utf-8")

    def run(plugin: Any) -> Any:
        set_registry(build_registry([plugin], entry_points=False))
        payload = json.dumps({"title": "cluster-a has gone missing"}).encode()
        return execute(RunRequest(payload=payload, config=str(config)))

    yield run
    set_registry(None)


def test_the_investigations_access_closes_beside_its_plan_and_a_later_ask_builds_afresh(
    run_main: Any,
) -> None:
    trace: list[str] = []
    made: list[Access] = []
    seen: dict[str, Any] = {}

    def kube(_resources: Any) -> Access:
        made.append(Access(trace))
        return made[-1]

    def main(ctx: Any) -> InvestigationResult:
        seen["investigation"] = ctx.resource("kube").use()
        seen["shared"] = ctx.resource("shared")
        return InvestigationResult([IncidentNote(content="found")])

    def note(ctx: Any) -> None:
        # The plan runs while the investigation's access is closed beside it.
        seen["closed beside the plan"] = made[0].closed.wait(WAIT_S)
        seen["executor"] = ctx.resource("kube").use()  # gone from the cache: a fresh one
        seen["shared open"] = not seen["shared"].closed.is_set()

    resources = [
        Resource("kube", kube, scope="investigation"),
        Resource("shared", lambda _r: Access(trace)),
    ]
    record = run_main(_plugin(main, note, resources))
    assert record.outcome == "succeeded", record.errors
    assert seen["closed beside the plan"] and seen["shared open"]
    assert seen["investigation"] != seen["executor"]
    assert all(access.closed.is_set() for access in made)  # nothing left open
    assert trace.count(f"closed {made[0].name}") == 1


def test_what_the_plans_executors_declare_stays_open_for_the_plan(run_main: Any) -> None:
    trace: list[str] = []
    made: list[Access] = []
    seen: dict[str, Any] = {}

    def kube(_resources: Any) -> Access:
        made.append(Access(trace))
        return made[-1]

    def main(ctx: Any) -> InvestigationResult:
        seen["investigation"] = ctx.resource("reader").use()
        ctx.resource("other")
        return InvestigationResult([IncidentNote(content="found")])

    def note(ctx: Any) -> None:
        seen["other closed beside the plan"] = made[1].closed.wait(WAIT_S)
        seen["executor"] = ctx.resource("reader").use()  # the investigation's own, still open

    resources = [
        Resource("kube", kube, scope="investigation"),
        Resource("reader", lambda r: r.get("kube"), scope="investigation", needs=("kube",)),
        Resource("other", kube, scope="investigation"),
    ]
    record = run_main(_plugin(main, note, resources, note_uses=("reader",)))
    assert record.outcome == "succeeded", record.errors
    assert seen["other closed beside the plan"]
    assert seen["investigation"] == seen["executor"] and len(made) == 2
    assert all(access.closed.is_set() for access in made)  # the kept one when the run ended


def test_a_retried_investigation_keeps_its_access_between_attempts(run_main: Any) -> None:
    trace: list[str] = []
    made: list[Access] = []
    used: list[str] = []

    def kube(_resources: Any) -> Access:
        made.append(Access(trace))
        return made[-1]

    def main(ctx: Any) -> InvestigationResult:
        used.append(ctx.resource("kube").use())
        if len(used) == 1:
            raise TransientError("the apiserver answered 503")
        return InvestigationResult([IncidentNote(content="found")])

    resources = [Resource("kube", kube, scope="investigation")]
    record = run_main(_plugin(main, lambda ctx: None, resources))
    assert record.outcome == "succeeded", record.errors
    assert record.investigations[0].attempts == 2
    assert used == [made[0].name, made[0].name] and len(made) == 1
    assert trace == [f"closed {made[0].name}"]


def test_a_read_ahead_still_in_flight_is_waited_for_and_never_handed_out(
    run_main: Any,
) -> None:
    trace: list[str] = []
    made: list[Access] = []
    reading, release = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def kube(_resources: Any) -> Access:
        made.append(Access(trace))
        return made[-1]

    def wrapper(resources: Any) -> SimpleNamespace:
        access = resources.get("kube")
        if len(made) == 1:  # the read ahead: still reading when the investigation returns
            reading.set()
            release.wait(WAIT_S)
            seen["open while read"] = not access.closed.is_set()
        return SimpleNamespace(use=access.use)  # holds the access, as a client on kube would

    def main(ctx: Any) -> InvestigationResult:
        assert reading.wait(WAIT_S)  # its read ahead holds the access; main never asks
        return InvestigationResult([IncidentNote(content="found")])

    def note(ctx: Any) -> None:
        seen["closed before the read ended"] = made[0].closed.is_set()
        release.set()
        # The read ahead finishes after its investigation's resources were taken: what it
        # built may hold the closed access, so an ask gets one built afresh.
        seen["executor"] = ctx.resource("wrapper").use()

    resources = [
        Resource("kube", kube, scope="investigation"),
        Resource("wrapper", wrapper, scope="investigation", needs=("kube",)),
    ]
    record = run_main(_plugin(main, note, resources, prefetch=("wrapper",)))
    assert record.outcome == "succeeded", record.errors
    assert seen == {
        "closed before the read ended": False,
        "open while read": True,
        "executor": made[1].name,
    }
    assert len(made) == 2 and all(access.closed.is_set() for access in made)
    assert trace.count(f"closed {made[0].name}") == 1


def test_an_ended_investigation_starts_no_more_reads_ahead_and_its_run_ones_stay() -> None:
    from cad_core.run.context import Resources, RunInfo

    trace: list[str] = []
    started, release = threading.Event(), threading.Event()
    built: list[str] = []

    def slow(resources: Resources) -> Access:
        started.set()
        release.wait(WAIT_S)
        built.append("slow")
        return Access(trace)

    def after(resources: Resources) -> str:
        built.append("after")  # waits for slow; must never start once main is over
        return str(resources.get("slow").use())

    providers = {
        "slow": Resource("slow", slow, scope="investigation"),
        "after": Resource("after", after, scope="investigation", needs=("slow",)),
        "shared": Resource("shared", lambda _r: Access(trace)),
    }
    run = Resources(providers, run=RunInfo("incident", cluster_id="c1"), workers=2)
    shared = run.get("shared")
    main = run.scoped("main")
    main.prefetch(["after"])
    assert started.wait(WAIT_S)
    main.close_scope()  # "slow" is still being read ahead; "after" waits for it
    release.set()
    run.close()
    assert built == ["slow"]  # its build ended, then nothing more started for main
    assert not main.is_built("after") and not main.is_built("slow")
    assert len(trace) == 2 and len(set(trace)) == 2  # slow's (built late) and shared's, once
    assert shared.closed.is_set()
