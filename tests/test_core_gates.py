"""Outcome dependencies, on_failure and inform mode in the engine, over random plans."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cad_core import ActionExecutor, Alert
from cad_core.errors import PermanentError
from cad_core.plan.actions import (
    Action,
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    LimitedSupport,
    ServiceLog,
    SilenceIncident,
    action_types,
)
from cad_core.plan.engine import execute_plan
from cad_core.plan.engine.execute import EngineSettings
from cad_core.plan.engine.gates import OnFailure
from cad_core.plan.engine.report import Status
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plan.helpers import requiring, silence_after
from cad_core.plugins.registrations import Resource
from cad_core.run.metrics import Dispatcher
from cad_core.testing import inline_plugin, make_execution_context

ALERT = Alert(source="test", id="Q1", title="t", cluster_id="c1")
FAST = EngineSettings(retry=RetryPolicy(max_attempts=1, base_delay=0.001, deadline=5))
KINDS = [
    lambda: ClusterReport(cluster_id="c1", summary="s", data="d"),
    lambda: LimitedSupport(summary="s", details="d"),
    lambda: ServiceLog(severity="Major", summary="s", description="d"),
    IncidentNote,
    lambda: SilenceIncident(reason="r"),
    lambda: EscalateIncident(reason="r"),
]


class Executor:
    """Claims every type; fails the actions it is told to fail; remembers what started."""

    def __init__(self, failing: set[int]) -> None:
        self.failing, self.started = failing, []  # type: set[int], list[int]
        self.lock = threading.Lock()
        self.index: dict[int, int] = {}

    def execute(self, action: Action, ctx: Any) -> None:
        position = self.index[id(action)]
        with self.lock:
            self.started.append(position)
        if position in self.failing:
            raise PermanentError("refused")

    def plugin(self) -> Any:
        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="all", action_types=tuple(action_types()), execute=self.execute
            )

        def resources() -> Iterator[Resource]:
            yield Resource(name="infra_cluster", factory=lambda r: False)

        return inline_plugin("all", cad_action_executors=executors, cad_resources=resources)


def random_plan(draw: Any) -> list[Action]:
    """Random actions, each requiring a random subset of the types planned before it."""
    plan: list[Action] = []
    for kind in draw(st.lists(st.sampled_from(range(len(KINDS))), min_size=1, max_size=8)):
        action = KINDS[kind]()
        earlier = sorted({a.type_id for a in plan})
        wanted = draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []
        plan.append(attrs.evolve(action, requires=wanted))
    return plan


@st.composite
def plans_with_failures(draw: Any) -> tuple[list[Action], set[int], OnFailure]:
    plan = random_plan(draw)
    failing = set(draw(st.lists(st.sampled_from(range(len(plan))), unique=True)))
    return plan, failing, draw(st.sampled_from(list(OnFailure)))


def run(cad_registry: Any, plan: list[Action], failing: set[int], **engine: Any) -> Any:
    executor = Executor(failing)
    executor.index = {id(a): i for i, a in enumerate(plan)}
    registry = cad_registry(executor.plugin())
    ctx = make_execution_context(registry, cluster_id="c1", alert=ALERT)
    outcomes = execute_plan(plan, ctx, registry, Dispatcher({}), attrs.evolve(FAST, **engine))
    return outcomes, executor


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans_with_failures())
def test_no_action_runs_after_a_prerequisite_that_is_not_in_effect(cad_registry, case) -> None:
    plan, failing, on_failure = case
    # One worker: actions start one after another, so "after the first failure" is exact.
    outcomes, executor = run(cad_registry, plan, failing, on_failure=on_failure, workers=1)
    by_index = dict(enumerate(outcomes))
    for index, action in enumerate(plan):
        prerequisites = [i for i in range(index) if plan[i].type_id in action.requires]
        if any(not by_index[i].status.in_effect for i in prerequisites):
            assert index not in executor.started
            assert by_index[index].status == Status.NOT_RUN
            assert by_index[index].error  # names the prerequisite
    failed_at = [n for n, p in enumerate(executor.started) if p in failing]
    if on_failure == OnFailure.STOP and failed_at:
        assert executor.started[failed_at[0] + 1 :] == []  # nothing starts after a failure


def test_a_failed_limited_support_leaves_the_silence_not_run_with_the_reason(cad_registry):
    plan = [IncidentNote(), *silence_after(LimitedSupport(summary="s", details="d"), "told")]
    outcomes, executor = run(cad_registry, plan, failing={1})
    assert [(o.type, o.status) for o in outcomes] == [
        ("incident_note", "succeeded"),
        ("limited_support", "failed"),
        ("silence_incident", "not_run"),
    ]
    assert outcomes[2].error == "limited_support failed"
    assert 2 not in executor.started


def test_with_stop_nothing_further_starts_after_a_failure(cad_registry):
    plan = [LimitedSupport(summary="s", details="d"), EscalateIncident(reason="r")]
    outcomes, executor = run(cad_registry, plan, failing={0}, on_failure=OnFailure.STOP)
    assert [o.status for o in outcomes] == ["failed", "not_run"]
    assert "on_failure is stop" in (outcomes[1].error or "")
    outcomes, _ = run(cad_registry, plan, failing={0})
    assert [o.status for o in outcomes] == ["failed", "succeeded"]  # continue: independent


def test_a_prerequisite_removed_by_policy_blocks_its_dependent(cad_registry):
    """In a manual run the note is dropped, so an action that requires it does not run."""
    plan = [IncidentNote(content="x"), requiring(ServiceLog("Info", "s", "d"), IncidentNote())]
    executor = Executor(set())
    executor.index = {id(a): i for i, a in enumerate(plan)}
    registry = cad_registry(executor.plugin())
    ctx = make_execution_context(registry, cluster_id="c1", alert=None)
    outcomes = execute_plan(plan, ctx, registry, Dispatcher({}), FAST)
    assert [(o.type, o.status) for o in outcomes] == [
        ("incident_note", "dropped_by_policy"),
        ("service_log", "not_run"),
    ]
    assert outcomes[1].error == "incident_note dropped_by_policy"


def test_requiring_a_type_the_plan_lacks_rejects_the_plan(cad_registry):
    plan = [SilenceIncident(reason="r", requires=["limited_support"])]
    outcomes, executor = run(cad_registry, plan, failing=set())
    assert outcomes[0].status == Status.NOT_RUN and executor.started == []
    assert "requires limited_support, but the plan has no limited_support before it" in (
        outcomes[0].error or ""
    )


@pytest.mark.parametrize("inform", [True, False])
def test_inform_mode_holds_customer_facing_and_silencing_actions(cad_registry, inform):
    plan = [
        ClusterReport(cluster_id="c1", summary="s", data="d"),
        IncidentNote(),
        *silence_after(LimitedSupport(summary="s", details="d"), "told"),
    ]
    outcomes, executor = run(cad_registry, plan, failing=set(), inform=inform)
    expected = "held_for_approval" if inform else "succeeded"
    assert [o.status for o in outcomes] == ["succeeded", "succeeded", expected, expected]
    assert sorted(executor.started) == ([0, 1] if inform else [0, 1, 2, 3])
