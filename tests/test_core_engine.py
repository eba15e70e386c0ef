"""The executor engine: ordering, retries, idempotency, dry-run, policies, metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cad_core import (
    Action,
    ActionExecutor,
    Alert,
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    IncidentTitle,
    LimitedSupport,
    PermanentError,
    Resource,
    ServiceLog,
    SilenceIncident,
    TransientError,
)
from cad_core.plan.actions import action_types
from cad_core.plan.engine import EngineSettings, Status, execute_plan
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plugins.registry import Registry
from cad_core.run.metrics import Dispatcher
from cad_core.testing import RecordingSink, inline_plugin, make_execution_context

ALERT = Alert(source="test", id="Q1", title="cluster has gone missing", cluster_id="c1")
FAST = EngineSettings(retry=RetryPolicy(base_delay=0.001, max_delay=0.01, deadline=5))


class Recorder:
    """An executor for every type that records the order of calls and can misbehave."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.fail: dict[str, list[BaseException]] = {}
        self.applied: set[int] = set()

    def execute(self, action: Action, ctx: Any) -> None:
        with self.lock:
            self.calls.append((action.type_id, id(action)))
            errors = self.fail.get(action.type_id)
            error = errors.pop(0) if errors else None
        time.sleep(0.001)  # give other threads a chance to interleave
        if action.writes_notes:
            ctx.notes.automation(f"{action.type_id} done")
        self.applied.add(id(action))
        if error is not None:
            raise error

    def already_applied(self, action: Action, ctx: Any) -> str | None:
        return "already there" if id(action) in self.applied else None

    def plugin(self, infra: Callable[[Any], object] | None = lambda r: False) -> Any:
        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="recorder",
                action_types=tuple(action_types()),
                execute=self.execute,
                already_applied=self.already_applied,
                describe=lambda a, ctx: f"would {a.type_id}",
            )

        def resources() -> Iterator[Resource]:
            if infra is not None:
                yield Resource(name="infra_cluster", factory=infra)

        return inline_plugin("recorder", cad_action_executors=executors, cad_resources=resources)


def run(
    registry: Registry,
    plan: list[Action],
    alert: Alert | None = ALERT,
    dry_run: bool = False,
    sinks: dict[str, Any] | None = None,
    engine: EngineSettings = FAST,
) -> list[Any]:
    ctx = make_execution_context(registry, cluster_id="c1", alert=alert, dry_run=dry_run)
    return execute_plan(plan, ctx, registry, Dispatcher(sinks or {}), engine)


def report() -> ClusterReport:
    return ClusterReport(cluster_id="c1", summary="s", data="d")


def limited() -> LimitedSupport:
    return LimitedSupport(summary="s", details="d", context="StoppedInstances")


def service_log() -> ServiceLog:
    return ServiceLog(severity="Major", summary="s", description="d")


BUILDERS: list[Callable[[], Action]] = [
    report,
    limited,
    service_log,
    IncidentNote,
    lambda: IncidentNote(content="fixed text"),
    lambda: SilenceIncident(reason="r"),
    lambda: EscalateIncident(reason="r"),
    IncidentTitle,
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(range(len(BUILDERS))), min_size=1, max_size=9))
def test_every_plan_respects_declared_ordering(cad_registry: Any, picks: list[int]) -> None:
    recorder = Recorder()
    recorder.already_applied = lambda a, c: None  # type: ignore[method-assign]
    registry = cad_registry(recorder.plugin())
    plan = [BUILDERS[i]() for i in picks]
    outcomes = run(registry, plan)
    assert [o.status for o in outcomes] == [Status.SUCCEEDED] * len(plan)
    position = {ident: index for index, (_t, ident) in enumerate(recorder.calls)}
    writers = [position[id(a)] for a in plan if a.writes_notes]
    for action in plan:
        if action.reads_notes or action.after_note_writers:
            assert all(w < position[id(action)] for w in writers)
    lane = [position[id(a)] for a in plan if a.lane == "incident"]
    assert lane == sorted(lane)


def test_note_reads_every_writer_line(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin())
    ctx = make_execution_context(registry, cluster_id="c1", alert=ALERT)
    seen: list[str] = []
    plan = [IncidentNote(), report(), limited()]

    def note(action: Action, c: Any) -> None:
        seen.append(c.notes.text())

    registry_note = inline_plugin(
        "note",
        cad_action_executors=lambda: [
            ActionExecutor(name="note", action_types=("incident_note",), execute=note)
        ],
    )
    registry = cad_registry(recorder.plugin(), registry_note)
    execute_plan(
        plan,
        ctx,
        registry,
        Dispatcher({}),
        EngineSettings(retry=FAST.retry, selection={"incident_note": "note"}),
    )
    assert "cluster_report done" in seen[0] and "limited_support done" in seen[0]


def test_transient_error_retried_with_server_delay(
    cad_registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    recorder.fail["limited_support"] = [TransientError("429", retry_after=0.2)]
    registry = cad_registry(recorder.plugin())
    caplog.set_level(logging.WARNING, "cad.retry")
    [outcome] = run(registry, [limited()])
    # The first attempt "landed" before failing, so the re-check finds it: no second write.
    assert (outcome.status, outcome.attempts) == (Status.SUCCEEDED, 2)
    assert outcome.reason == "applied by an earlier attempt"
    assert [t for t, _ in recorder.calls] == ["limited_support"]
    # The engine waited exactly what the server asked for (no jitter on server delays).
    assert "failed (attempt 1): 429; retrying in 0.2s" in caplog.text


def test_retry_stops_at_the_attempt_limit(cad_registry: Any) -> None:
    recorder = Recorder()
    recorder.applied = set()
    recorder.already_applied = lambda a, c: None  # type: ignore[method-assign]
    recorder.fail["escalate_incident"] = [TransientError("503")] * 10
    registry = cad_registry(recorder.plugin())
    engine = EngineSettings(retry=RetryPolicy(max_attempts=3, base_delay=0.001, deadline=5))
    [outcome] = run(registry, [EscalateIncident()], engine=engine)
    assert (outcome.status, outcome.attempts, outcome.error) == (Status.FAILED, 3, "503")


def test_retry_stops_at_the_run_deadline(cad_registry: Any) -> None:
    recorder = Recorder()
    recorder.already_applied = lambda a, c: None  # type: ignore[method-assign]
    recorder.fail["escalate_incident"] = [TransientError("busy", retry_after=5.0)] * 10
    registry = cad_registry(recorder.plugin())
    engine = EngineSettings(retry=RetryPolicy(max_attempts=10, deadline=1.0))
    [outcome] = run(registry, [EscalateIncident()], engine=engine)
    # The server asks for longer than the run has left: give up instead of waiting.
    assert (outcome.status, outcome.attempts) == (Status.FAILED, 1)


def test_permanent_error_is_not_retried(cad_registry: Any) -> None:
    recorder = Recorder()
    recorder.already_applied = lambda a, c: None  # type: ignore[method-assign]
    recorder.fail["service_log"] = [PermanentError("401: token rejected")]
    registry = cad_registry(recorder.plugin())
    [outcome] = run(registry, [service_log()])
    assert (outcome.status, outcome.attempts, outcome.error) == (
        Status.FAILED,
        1,
        "401: token rejected",
    )


def test_idempotent_skip_writes_nothing(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin())
    plan = [limited()]
    run(registry, plan)
    [again] = run(registry, plan)
    assert (again.status, again.reason) == (Status.SKIPPED_DUPLICATE, "already there")
    assert len(recorder.calls) == 1


def test_dry_run_calls_no_write_path(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin())
    plan = [b() for b in BUILDERS]
    outcomes = run(registry, plan, dry_run=True)
    assert recorder.calls == []
    assert {o.status for o in outcomes} == {Status.DRY_RUN}
    assert outcomes[0].reason == "would run: would cluster_report"
    assert all(o.executor == "recorder" for o in outcomes)


@pytest.mark.parametrize(
    "infra, confirmed",
    [
        (lambda r: True, True),
        (lambda r: (_ for _ in ()).throw(TransientError("ocm down")), False),
        (None, False),
    ],
)
def test_infrastructure_guard_replaces_guarded_actions(
    cad_registry: Any, infra: Any, confirmed: bool
) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin(infra=infra))
    plan = [report(), limited(), service_log(), SilenceIncident(reason="r")]
    outcomes = run(registry, plan)
    replaced = [o.type for o in outcomes if o.status == Status.REPLACED_BY_POLICY]
    assert replaced == ["limited_support", "service_log", "silence_incident"]
    ran = [t for t, _ in recorder.calls]
    assert ran == ["cluster_report", "incident_note", "escalate_incident"]
    note = next(o.action for o in outcomes if o.type == "incident_note")
    assert "limited support, service log and silence" in note.content
    assert note.content.startswith("⚠️ This cluster is an infrastructure") is confirmed


def test_guard_keeps_an_existing_escalation(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin(infra=lambda r: True))
    outcomes = run(registry, [service_log(), EscalateIncident(reason="mine")])
    escalations = [o for o in outcomes if o.type == "escalate_incident"]
    assert len(escalations) == 1 and escalations[0].action.reason == "mine"


def test_manual_run_drops_incident_actions(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin())
    outcomes = run(
        registry, [report(), IncidentNote(), SilenceIncident(), IncidentTitle()], alert=None
    )
    statuses = {o.type: o.status for o in outcomes}
    assert statuses == {
        "cluster_report": Status.SUCCEEDED,
        "incident_note": Status.DROPPED_BY_POLICY,
        "silence_incident": Status.DROPPED_BY_POLICY,
        "incident_title": Status.DROPPED_BY_POLICY,
    }


def test_unclaimed_type_rejects_the_whole_plan(cad_registry: Any) -> None:
    recorder = Recorder()
    only_notes = inline_plugin(
        "notes",
        cad_action_executors=lambda: [
            ActionExecutor(name="n", action_types=("incident_note",), execute=recorder.execute)
        ],
    )
    registry = cad_registry(only_notes)
    outcomes = run(registry, [IncidentNote(content="x"), EscalateIncident()])
    assert recorder.calls == []
    assert {o.status for o in outcomes} == {Status.NOT_RUN}
    assert "no installed executor claims action type 'escalate_incident'" in outcomes[0].error


def test_failing_sink_never_fails_the_run(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin())
    good = RecordingSink()

    class Broken:
        def record(self, event: Any) -> None:
            raise RuntimeError("sink down")

        def flush(self) -> None:
            raise RuntimeError("sink down")

    sinks = {"broken": Broken(), "good": good}
    [outcome] = run(registry, [limited()], sinks=sinks)
    Dispatcher(sinks).flush()
    assert outcome.status == Status.SUCCEEDED
    [event] = good.events
    assert event.labels["status"] == "succeeded" and event.labels["context"] == "StoppedInstances"


def test_executor_bug_becomes_a_failed_outcome(cad_registry: Any) -> None:
    recorder = Recorder()
    recorder.already_applied = lambda a, c: None  # type: ignore[method-assign]
    recorder.fail["cluster_report"] = [KeyError("boom")]
    registry = cad_registry(recorder.plugin())
    outcomes = run(registry, [report(), IncidentNote()])
    assert [o.status for o in outcomes] == [Status.FAILED, Status.SUCCEEDED]


def test_guard_note_comes_before_an_existing_escalation(cad_registry: Any) -> None:
    recorder = Recorder()
    registry = cad_registry(recorder.plugin(infra=lambda r: True))
    run(registry, [EscalateIncident(reason="mine"), service_log()])
    assert [t for t, _ in recorder.calls] == ["incident_note", "escalate_incident"]


@pytest.mark.parametrize(("report_fails", "due"), [(False, True), (True, False)])
def test_closing_due_tells_the_last_write_whether_the_title_may_ride_along(
    cad_registry: Any, report_fails: bool, due: bool
) -> None:
    recorder = Recorder()
    seen: dict[str, bool] = {}
    execute = recorder.execute

    def asking(action: Action, ctx: Any) -> None:
        seen[action.type_id] = ctx.plan.closing_due(action)
        execute(action, ctx)

    recorder.execute = asking  # type: ignore[method-assign]
    if report_fails:
        recorder.fail["cluster_report"] = [PermanentError("no")]
    registry = cad_registry(recorder.plugin())
    plan = [report(), IncidentNote(), SilenceIncident(reason="r"), IncidentTitle()]
    outcomes = run(registry, plan)
    assert seen["silence_incident"] is due  # everything but the title has taken effect
    assert seen["incident_note"] is False  # the silence is still to come
    title = Status.SUCCEEDED if due else Status.DROPPED_BY_POLICY
    assert outcomes[-1].status == title


def test_warm_ups_start_with_the_plan_and_their_failures_cost_nothing(cad_registry: Any) -> None:
    warmed: list[str] = []
    released = threading.Event()

    def warm_up(action: Action, ctx: Any) -> None:
        warmed.append(action.type_id)
        released.wait(5)  # the first action runs while the warm-ups are still reading
        raise TransientError("the warm-up read failed")

    def execute(action: Action, ctx: Any) -> None:
        released.set()

    def executors() -> Iterator[ActionExecutor]:
        yield ActionExecutor(
            name="warm",
            action_types=tuple(action_types()),
            execute=execute,
            warm_up=warm_up,
        )

    registry = cad_registry(inline_plugin("warm", cad_action_executors=executors))
    outcomes = run(registry, [report(), IncidentNote()])
    assert [o.status for o in outcomes] == [Status.SUCCEEDED, Status.SUCCEEDED]
    assert sorted(warmed) == ["cluster_report", "incident_note"]
