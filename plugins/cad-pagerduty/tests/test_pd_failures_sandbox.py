"""Failures PagerDuty can produce, injected by the simulator, as the engine sees them.

The point: the `pagerduty` client retries nothing by itself, every failure is classified
by status or exception type, and retries happen only in the engine, visibly.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
import pytest

from cad_core.plan.actions import EscalateIncident, IncidentNote, IncidentTitle, SilenceIncident
from cad_core.plan.engine import execute_plan
from cad_core.plan.engine.execute import EngineSettings
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plugins.registrations import Resource
from cad_core.run.context import Alert, Resources
from cad_core.run.metrics import Dispatcher
from cad_core.testing import make_execution_context

INCIDENT = "Q1CADTEST00001"
NOTES = f"/incidents/{INCIDENT}/notes"
ONE = f"/incidents/{INCIDENT}"


def fast(base_delay: float = 0.01) -> EngineSettings:
    return EngineSettings(
        retry=RetryPolicy(max_attempts=3, base_delay=base_delay, max_delay=1.0, deadline=20)
    )


@pytest.fixture
def run(pd_registry: Any) -> Any:
    """``run(action, incident=INCIDENT, settings=fast())``: the one outcome, via the engine."""

    def execute(action: Any, incident: str = INCIDENT, settings: EngineSettings | None = None):
        alert = Alert(source="pagerduty", id=incident, title="t", cluster_id="2abc")
        ctx = make_execution_context(pd_registry, cluster_id="2abc", alert=alert)
        never_infra = Resource(name="infra_cluster", factory=lambda resources: False)
        ctx.resources = Resources({"infra_cluster": never_infra}, alert=alert)
        [outcome] = execute_plan([action], ctx, pd_registry, Dispatcher({}), settings or fast())
        return outcome

    return execute


def fault(method: str, path: str, status: int | None = None, **extra: Any) -> dict[str, Any]:
    spec = {"service": "pagerduty", "method": method, "path": path, "times": 1, **extra}
    return {**spec, "status": status} if status is not None else spec


def test_a_429_reaches_the_engine_after_one_request_and_waits_as_told(
    run, pd_sandbox, requests_of, caplog
):
    box = pd_sandbox(
        faults=[fault("POST", NOTES, 429, headers={"ratelimit-reset": 1, "retry-after": 30})]
    )
    caplog.set_level(logging.DEBUG)
    outcome = run(IncidentNote(content="hello"))
    assert (outcome.status, outcome.attempts) == ("succeeded", 2)
    # One POST got the 429 and came straight back: the client did not retry it.
    assert requests_of(box) == [
        ("GET", NOTES, 200),
        ("POST", NOTES, 429),
        ("GET", NOTES, 200),
        ("POST", NOTES, 201),
    ]
    # The engine waited the ratelimit-reset seconds (it wins over Retry-After).
    [waited] = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert "HTTP 429" in waited and waited.endswith("retrying in 1.0s")
    assert box.world.to_json()["pagerduty"]["incidents"][INCIDENT]["notes"] == ["hello"]
    # ...and the client did not log a retry budget it never had.
    assert "Non-transient" not in caplog.text


def test_a_server_error_is_retried_without_repeating_the_reason_note(run, pd_sandbox, requests_of):
    box = pd_sandbox(faults=[fault("PUT", "/incidents", 503)])
    outcome = run(SilenceIncident(reason="customer stopped it"))
    assert (outcome.status, outcome.attempts) == ("succeeded", 2)
    log = requests_of(box)
    assert [e for e in log if e[0] != "GET"] == [
        ("POST", NOTES, 201),
        ("PUT", "/incidents", 503),
        ("PUT", "/incidents", 200),
    ]
    assert len(box.world.incidents[INCIDENT].notes) == 1


def test_a_reset_connection_is_transient(run, pd_sandbox, requests_of):
    box = pd_sandbox(faults=[fault("PUT", ONE, kind="reset")])
    outcome = run(IncidentTitle())
    assert (outcome.status, outcome.attempts) == ("succeeded", 2)
    assert [e for e in requests_of(box) if e[0] == "PUT"] == [
        ("PUT", ONE, "reset"),
        ("PUT", ONE, 200),
    ]


def test_a_lost_reply_does_not_escalate_twice(
    run, sandbox, sandbox_env, requests_of, monkeypatch, pd_scenario
):
    # The simulator applies the PUT after the client gave up waiting for it.
    monkeypatch.setattr("cad_pagerduty.client.TIMEOUT_SECONDS", 0.2)
    box = sandbox(
        pd_scenario(faults=[fault("PUT", "/incidents", kind="timeout")]), timeout_sleep_s=0.3
    )
    sandbox_env(box)
    outcome = run(EscalateIncident(), settings=fast(base_delay=0.8))
    assert (outcome.status, outcome.attempts) == ("succeeded", 2)
    assert outcome.reason == "applied by an earlier attempt"
    assert box.world.incidents[INCIDENT].escalation_level == 2
    assert [e for e in requests_of(box) if e[0] == "PUT"] == [("PUT", "/incidents", "timeout")]


def test_a_rejected_token_fails_at_once_and_is_never_shown(
    run, pd_sandbox, requests_of, monkeypatch, caplog
):
    box = pd_sandbox()
    wrong = "not-the-key-7hQ2"
    monkeypatch.setenv("CAD_PD_TOKEN", wrong)
    caplog.set_level(logging.DEBUG)
    outcome = run(EscalateIncident(reason="r"))
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "PagerDuty rejected CAD_PD_TOKEN" in outcome.error
    # The plan's warm-up reads the incident and its notes side by side: one round of
    # reads, each refused once, and the check raises that refusal without asking again.
    assert sorted(requests_of(box)) == [("GET", ONE, 401), ("GET", f"{ONE}/notes", 401)]
    for secret in (wrong, wrong[-4:], box.secrets.pd_token):
        assert secret not in outcome.error and secret not in caplog.text


def test_an_unknown_incident_is_not_found(run, pd_sandbox, requests_of):
    box = pd_sandbox()
    outcome = run(IncidentTitle(), incident="QMISSING")
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "PagerDuty incident QMISSING not found" in outcome.error
    assert requests_of(box) == [("GET", "/incidents/QMISSING", 404)]


def test_other_bad_input_fails_with_pagerdutys_words(run, pd_sandbox, requests_of):
    box = pd_sandbox(faults=[fault("PUT", "/incidents", 400)])
    outcome = run(EscalateIncident())
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert outcome.error == "PagerDuty rejected PUT /incidents (HTTP 400): Bad Request"
    assert box.world.incidents[INCIDENT].escalation_level == 1
    assert [e for e in requests_of(box) if e[0] == "PUT"] == [("PUT", "/incidents", 400)]


def test_a_forbidden_write_names_the_missing_permission(run, pd_sandbox):
    pd_sandbox(faults=[fault("POST", NOTES, 403)])
    outcome = run(IncidentNote(content="hi"))
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "lacks the permission" in outcome.error and "CAD_PD_TOKEN" in outcome.error


@pytest.mark.parametrize(
    "action",
    [
        IncidentNote(content="x"),
        SilenceIncident(reason="r"),
        EscalateIncident(reason="r"),
        IncidentTitle(),
    ],
)
def test_writes_need_a_sender_and_are_rejected_before_any_request(
    run, pd_sandbox, requests_of, monkeypatch, action
):
    box = pd_sandbox()
    monkeypatch.delenv("CAD_PD_FROM")
    outcome = run(action)
    assert (outcome.status, outcome.attempts) == ("not_run", 0)
    assert "CAD_PD_FROM (needed by pagerduty-" in outcome.error
    assert requests_of(box) == []


def test_a_write_checks_the_lock_fence_at_the_wire(run, pd_sandbox, requests_of):
    # The engine's own check before `execute` passes; by the time the note's bytes would
    # leave, the run has lost its lock (a Lease taken over after a stall).
    from cad_core.run.locks import LockLost

    box = pd_sandbox()
    checks: list[str] = []

    def fence() -> None:
        checks.append("checked")
        if len(checks) > 1:
            raise LockLost(f"incident:{INCIDENT}", "taken over by another run")

    outcome = run(IncidentNote(content="hello"), settings=attrs.evolve(fast(), fence=fence))
    assert outcome.status == "not_run", outcome
    assert "no longer holds" in (outcome.error or outcome.reason or "")
    assert [e for e in requests_of(box) if e[0] != "GET"] == []  # the read went; no write
    assert box.world.to_json()["pagerduty"]["incidents"][INCIDENT]["notes"] == []
