"""The four executors, run by the real engine against the sandbox's PagerDuty simulator.

Each test checks what PagerDuty saw (request log and the simulated world) and what the
engine reported; repeats check that nothing is written twice.
"""

from __future__ import annotations

from typing import Any

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
FAST = EngineSettings(
    retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, deadline=20)
)


def incident_alert(incident_id: str = INCIDENT) -> Alert:
    return Alert(
        source="pagerduty",
        id=incident_id,
        title="cluster-a has gone missing",
        cluster_id="2abc",
        service_id="PSVC001",
        service_name="prod-deadmanssnitch",
    )


@pytest.fixture
def run(pd_registry: Any) -> Any:
    """``run(*actions, ctx=None, alert=None)``: the outcomes, via the engine."""

    def execute(*actions: Any, ctx: Any = None, alert: Alert | None = None) -> list[Any]:
        if ctx is None:
            ctx = new_context(pd_registry, alert or incident_alert())
        return execute_plan(list(actions), ctx, pd_registry, Dispatcher({}), FAST)

    return execute


def new_context(registry: Any, alert: Alert) -> Any:
    ctx = make_execution_context(registry, cluster_id=alert.cluster_id, alert=alert)
    # A customer cluster, so the core's infrastructure guard lets silencing through
    # without asking another plugin.
    customer = Resource(name="infra_cluster", factory=lambda resources: False)
    ctx.resources = Resources({"infra_cluster": customer}, cluster_id=alert.cluster_id, alert=alert)
    return ctx


def pd_incident(box: Any) -> dict[str, Any]:
    return box.world.to_json()["pagerduty"]["incidents"][INCIDENT]


def statuses(outcomes: list[Any]) -> list[tuple[str, str]]:
    return [(o.type, o.status) for o in outcomes]


def writes(log: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    return [entry for entry in log if entry[0] != "GET"]


# -- incident_note ------------------------------------------------------------------------


def test_a_note_is_posted_once(run, pd_sandbox, requests_of):
    box = pd_sandbox()
    [first] = run(IncidentNote(content="✅ checked the cluster"))
    assert (first.status, first.executor, first.attempts) == ("succeeded", "pagerduty-note", 1)
    assert requests_of(box) == [("GET", NOTES, 200), ("POST", NOTES, 201)]
    assert pd_incident(box)["notes"] == ["✅ checked the cluster"]
    note = box.world.incidents[INCIDENT].notes[0]
    assert note["user"]["summary"] == "cad-sandbox@example.com"  # our From header

    [again] = run(IncidentNote(content="✅ checked the cluster"))
    assert (again.status, again.reason) == (
        "skipped_duplicate",
        "an identical note is already on the incident",
    )
    assert writes(requests_of(box)) == [("POST", NOTES, 201)]


def test_the_run_notes_are_read_when_the_note_runs(run, pd_registry, pd_sandbox):
    box = pd_sandbox()
    ctx = new_context(pd_registry, incident_alert())
    ctx.notes.success("instances are running")
    ctx.notes.warning("egress is blocked")
    [outcome] = run(IncidentNote(), ctx=ctx)
    assert outcome.status == "succeeded"
    [posted] = pd_incident(box)["notes"]
    assert posted == ctx.notes.text()
    assert "✅ instances are running" in posted and "⚠️ egress is blocked" in posted


# -- silence_incident ---------------------------------------------------------------------


def test_silencing_posts_the_reason_then_moves_the_incident(run, pd_sandbox, requests_of):
    box = pd_sandbox()
    [outcome] = run(SilenceIncident(reason="the customer stopped the instances"))
    assert (outcome.status, outcome.executor) == ("succeeded", "pagerduty-silence")
    assert writes(requests_of(box)) == [("POST", NOTES, 201), ("PUT", "/incidents", 200)]
    incident = pd_incident(box)
    assert incident["escalation_policy"] == "PSILENT"
    [note] = incident["notes"]
    assert "silent escalation policy" in note and "the customer stopped the instances" in note

    [again] = run(SilenceIncident(reason="the customer stopped the instances"))
    assert (again.status, again.reason) == (
        "skipped_duplicate",
        "the incident is already on the silent escalation policy PSILENT",
    )
    assert len(writes(requests_of(box))) == 2


def test_silencing_records_the_policy_it_leaves_even_without_a_reason(run, pd_sandbox, requests_of):
    box = pd_sandbox(silent_policy="PQUIET")
    before = pd_incident(box)["escalation_policy"]
    [outcome] = run(SilenceIncident())
    assert outcome.status == "succeeded"
    assert writes(requests_of(box)) == [
        ("POST", f"/incidents/{INCIDENT}/notes", 201),
        ("PUT", "/incidents", 200),
    ]
    assert pd_incident(box)["escalation_policy"] == "PQUIET"
    [note] = pd_incident(box)["notes"]
    assert "Reason: no reason was given" in note
    assert f"Escalation policy before CAD silenced it: {before}" in note


def test_silencing_needs_the_policy_setting(run, pd_sandbox, requests_of, monkeypatch):
    box = pd_sandbox()
    monkeypatch.delenv("CAD_SILENT_POLICY")
    [outcome] = run(SilenceIncident(reason="x"))
    assert outcome.status == "not_run" and "CAD_SILENT_POLICY" in outcome.error
    assert requests_of(box) == []


# -- escalate_incident --------------------------------------------------------------------


def test_escalating_a_silenced_incident_hands_it_back_to_its_policy_first(run, pd_sandbox):
    box = pd_sandbox()
    before = pd_incident(box)["escalation_policy"]
    run(SilenceIncident(reason="limited support sent"))
    assert pd_incident(box)["escalation_policy"] == "PSILENT"
    # A later run (fresh context): only the incident's own notes say where it came from.
    [outcome] = run(EscalateIncident(reason="a human needs to look"))
    assert outcome.status == "succeeded"
    incident = pd_incident(box)
    assert (incident["escalation_policy"], incident["escalation_level"]) == (before, 2)


def test_a_silence_cad_did_not_record_is_not_guessed_at(run, pd_sandbox):
    box = pd_sandbox(incident={"escalation_policy": "PSILENT"})
    [outcome] = run(EscalateIncident(reason="r"))
    assert outcome.status == "failed"
    assert "no record of the policy it had before" in outcome.error
    assert pd_incident(box)["escalation_policy"] == "PSILENT"


def test_escalation_raises_the_level_by_one(run, pd_sandbox, requests_of):
    box = pd_sandbox(incident={"escalation_level": 2})
    [outcome] = run(EscalateIncident(reason="the cluster is unreachable"))
    assert (outcome.status, outcome.executor) == ("succeeded", "pagerduty-escalate")
    assert writes(requests_of(box)) == [("POST", NOTES, 201), ("PUT", "/incidents", 200)]
    incident = pd_incident(box)
    assert incident["escalation_level"] == 3
    assert "the cluster is unreachable" in incident["notes"][0]


def test_one_run_escalates_once(run, pd_registry, pd_sandbox, requests_of):
    box = pd_sandbox()
    ctx = new_context(pd_registry, incident_alert())
    first, second = run(EscalateIncident(reason="a"), EscalateIncident(reason="b"), ctx=ctx)
    assert (first.status, second.status) == ("succeeded", "skipped_duplicate")
    assert second.reason == "CAD already escalated this incident earlier in this run"
    assert pd_incident(box)["escalation_level"] == 2
    assert len(writes(requests_of(box))) == 2  # note a, then the move; nothing for b


def test_a_second_run_with_the_same_reason_does_not_escalate_again(run, pd_sandbox, requests_of):
    box = pd_sandbox()
    run(EscalateIncident(reason="nothing CAD can fix"))
    [again] = run(EscalateIncident(reason="nothing CAD can fix"))
    assert again.status == "skipped_duplicate"
    assert pd_incident(box)["escalation_level"] == 2
    assert len(writes(requests_of(box))) == 2


# -- incident_title -----------------------------------------------------------------------


def test_the_title_is_prefixed_once(run, pd_sandbox, requests_of):
    box = pd_sandbox()
    [outcome] = run(IncidentTitle())
    assert (outcome.status, outcome.executor) == ("succeeded", "pagerduty-title")
    assert writes(requests_of(box)) == [("PUT", ONE, 200)]
    assert pd_incident(box)["title"] == "[CAD Investigated] cluster-a has gone missing"

    [again] = run(IncidentTitle())
    assert (again.status, again.reason) == (
        "skipped_duplicate",
        "the title already contains [CAD Investigated]",
    )
    assert len(writes(requests_of(box))) == 1


def test_the_current_title_is_prefixed_not_the_webhook_one(run, pd_sandbox):
    box = pd_sandbox(incident={"title": "renamed by a person"})
    run(IncidentTitle(prefix="[CAD]"))
    assert pd_incident(box)["title"] == "[CAD] renamed by a person"


# -- a resolved incident ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [SilenceIncident(reason="r"), EscalateIncident(reason="r"), IncidentTitle()]
)
def test_a_resolved_incident_is_left_alone(run, pd_sandbox, requests_of, action):
    box = pd_sandbox(incident={"status": "resolved"})
    [outcome] = run(action)
    assert (outcome.status, outcome.reason) == (
        "skipped_duplicate",
        "the incident is already resolved",
    )
    assert pd_incident(box)["notes"] == []
    # The title has no resolved check of its own: PagerDuty's 400 reply is the signal.
    expected = [("PUT", ONE, 400)] if isinstance(action, IncidentTitle) else []
    assert writes(requests_of(box)) == expected


# -- no incident ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [IncidentNote(content="x"), SilenceIncident(), EscalateIncident(), IncidentTitle()]
)
def test_every_executor_needs_a_pagerduty_incident(pd_registry, action):
    executor = pd_registry.executor_for(action.type_id).item
    ctx = make_execution_context(pd_registry, alert=None)
    with pytest.raises(Exception, match="no PagerDuty incident"):
        executor.execute(action, ctx)
    other = Alert(source="opsgenie", id="O1", title="t")
    with pytest.raises(Exception, match="not from PagerDuty"):
        executor.execute(action, make_execution_context(pd_registry, alert=other))


def _dry_run_plan(pd_registry):
    ctx = make_execution_context(pd_registry, alert=incident_alert(), dry_run=True)
    ctx.resources = new_context(pd_registry, incident_alert()).resources
    plan = [IncidentNote(content="hello"), SilenceIncident(reason="quiet")]
    plan += [EscalateIncident(), IncidentTitle()]
    return execute_plan(plan, ctx, pd_registry, Dispatcher({}), FAST)


def test_dry_run_describes_without_writing(pd_registry, pd_sandbox, requests_of, monkeypatch):
    box = pd_sandbox()
    monkeypatch.setenv("CAD_SILENT_POLICY", "PSILENT")
    outcomes = _dry_run_plan(pd_registry)
    assert [o.status for o in outcomes] == ["dry_run"] * 4
    assert {method for method, _path, _status in requests_of(box)} == {"GET"}
    texts = [o.reason for o in outcomes]
    assert texts[0].startswith(f"would run: post a note on PagerDuty incident {INCIDENT}")
    assert "silent escalation policy PSILENT" in texts[1] and "Reason: quiet" in texts[1]
    assert "next escalation level" in texts[2]
    assert "'[CAD Investigated]'" in texts[3]


def test_a_dry_run_whose_checks_cannot_read_fails_as_the_live_run_would(pd_registry, monkeypatch):
    monkeypatch.setenv("CAD_PD_URL", "https://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("CAD_SILENT_POLICY", "PSILENT")
    outcomes = _dry_run_plan(pd_registry)
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed and all(o.error.startswith("would fail: its idempotency") for o in failed)
    assert all(o.reason.startswith("would run: ") for o in outcomes)  # still described


def test_run_notes_with_the_same_findings_are_not_posted_again(run, pd_registry, pd_sandbox):
    """A re-run finds the same things; its executors then skip, so only their lines differ."""
    box = pd_sandbox()
    first = new_context(pd_registry, incident_alert())
    first.notes.warning("instances were stopped")
    first.notes.seal()
    first.notes.automation("put the cluster in limited support")
    assert statuses(run(IncidentNote(), ctx=first)) == [("incident_note", "succeeded")]
    second = new_context(pd_registry, incident_alert())
    second.notes.warning("instances were stopped")
    second.notes.seal()
    [outcome] = run(IncidentNote(), ctx=second)
    assert (outcome.status, outcome.reason) == (
        "skipped_duplicate",
        "a note with the same findings is already on the incident",
    )
    assert len(pd_incident(box)["notes"]) == 1
