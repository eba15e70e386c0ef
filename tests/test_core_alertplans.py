"""Plans for every alert (``cad_alert_plans``) through the real runner and ``cad run``.

Organisation routing, the alert plan cad-pagerduty ships, is tested end to end through the
sandbox (plugins/cad-pagerduty/tests/test_pd_orgrouting_sandbox.py); these tests pin the hook's
own contract with inline plugins: when plans run, what the engine does with them, and
what a broken plan costs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cad_core import (
    Action,
    ActionExecutor,
    Alert,
    AlertPlan,
    AlertPlanResult,
    AlertSource,
    BadInputError,
    EscalateIncident,
    IncidentNote,
    Investigation,
    InvestigationResult,
    PermanentError,
    ReassignIncident,
    Resources,
)
from cad_core.cli.commands import main
from cad_core.plan.actions import to_dict
from cad_core.run.app import RunRequest, execute
from cad_core.run.record import RunRecord
from cad_core.testing import inline_plugin

TYPES = ("incident_note", "escalate_incident", "incident_title", "incident_reassign")
CONFIG = "alerts:\n  - alert_title: has gone missing\n    investigations: [look]\n"
MOVE = ReassignIncident(escalation_policy="PTEAM", reason="the team's cluster")


class Recorder:
    """An executor of the incident actions that keeps what it was asked to write."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail: set[str] = set()
        self.lock = threading.Lock()

        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(name="recorder", action_types=TYPES, execute=self.execute)

        self.plugin = inline_plugin("recorder", cad_action_executors=executors)

    def execute(self, action: Action, ctx: Any) -> None:
        with self.lock:
            self.calls.append(to_dict(action))
        if action.type_id in self.fail:
            raise PermanentError("Escalation Policy not found")

    @property
    def types(self) -> list[str]:
        return [call["type"] for call in self.calls]


def _parse(payload: bytes) -> Alert | None:
    data = json.loads(payload)
    return Alert(source="test", id="Q42", title=data["title"], cluster_id="2abc")


def _sources() -> Iterator[AlertSource]:
    yield AlertSource(name="test-webhook", parse=_parse)


def _investigations() -> Iterator[Investigation]:
    yield Investigation(name="look", run=lambda ctx: InvestigationResult())


def plan_plugin(*plans: AlertPlan) -> object:
    def hook() -> Iterator[AlertPlan]:
        yield from plans

    return inline_plugin("test-alert-plans", cad_alert_plans=hook)


def moving(resources: Resources) -> AlertPlanResult:
    assert resources.run.alert is not None and resources.cluster_id == "2abc"
    return AlertPlanResult(
        [MOVE],
        route="team cluster -> PTEAM",
        if_failed=lambda why: [IncidentNote(content=f"please move it by hand ({why})")],
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def world(cad_registry: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("CAD_INVESTIGATION_CONFIG_PATH", raising=False)

    def make(*plans: AlertPlan) -> Any:
        return cad_registry(
            recorder.plugin,
            inline_plugin("test-source", cad_alert_sources=_sources),
            inline_plugin("test-look", cad_investigations=_investigations),
            plan_plugin(*plans),
        )

    return make


def incident(tmp_path: Path, title: str = "cluster-a has gone missing", **kw: Any) -> RunRecord:
    config = tmp_path / "routing.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    payload = json.dumps({"title": title}).encode()
    return execute(RunRequest(payload=payload, config=str(config), **kw))


def outcomes(record: RunRecord) -> list[tuple[str, str]]:
    return [(o.type, str(o.status)) for o in record.actions]


def test_an_alert_plan_runs_before_the_chain_and_is_recorded(
    tmp_path: Path, world: Any, recorder: Recorder
) -> None:
    world(AlertPlan(name="team", plan=moving))
    record = incident(tmp_path)
    assert recorder.types == ["incident_reassign", "incident_title"]
    assert outcomes(record)[0] == ("incident_reassign", "succeeded")
    assert record.route[-1] == "team cluster -> PTEAM"


def test_an_alert_no_chain_matches_gets_its_alert_plan_then_the_escalation(
    tmp_path: Path, world: Any, recorder: Recorder
) -> None:
    world(AlertPlan(name="team", plan=moving))
    incident(tmp_path, title="SomethingElse")
    assert recorder.types == ["incident_reassign", "incident_note", "escalate_incident"]


def test_a_failed_alert_plan_runs_its_fallback_and_the_investigation_goes_on(
    tmp_path: Path, world: Any, recorder: Recorder
) -> None:
    world(AlertPlan(name="team", plan=moving))
    recorder.fail.add("incident_reassign")
    record = incident(tmp_path)
    assert outcomes(record)[:2] == [("incident_reassign", "failed"), ("incident_note", "succeeded")]
    assert "please move it by hand (Escalation Policy not found)" in recorder.calls[1]["content"]
    assert [i.name for i in record.investigations] == ["look"]


def test_a_dry_run_writes_nothing_and_runs_no_fallback(
    tmp_path: Path, world: Any, recorder: Recorder
) -> None:
    world(AlertPlan(name="team", plan=moving))
    record = incident(tmp_path, dry_run=True)
    assert recorder.calls == []
    assert outcomes(record)[0] == ("incident_reassign", "dry_run")
    assert "incident_note" not in [t for t, _s in outcomes(record)]


def test_a_plan_that_raises_or_returns_junk_is_skipped_and_named(
    tmp_path: Path, world: Any, recorder: Recorder
) -> None:
    def broken(resources: Resources) -> AlertPlanResult:
        raise RuntimeError("boom")

    world(
        AlertPlan(name="broken", plan=broken),
        AlertPlan(name="junk", plan=lambda resources: [MOVE]),  # type: ignore[arg-type,return-value]
        AlertPlan(name="quiet", plan=lambda resources: None),
    )
    record = incident(tmp_path)
    assert "alert plan broken skipped: boom" in record.route
    assert any(
        line.startswith("alert plan junk skipped: it returned list") for line in record.route
    )
    assert recorder.types == ["incident_title"] and record.outcome == "succeeded"


def test_manual_runs_make_no_alert_plan(tmp_path: Path, world: Any, recorder: Recorder) -> None:
    world(AlertPlan(name="team", plan=moving))
    execute(RunRequest(cluster_id="2abc", investigation="look"))
    assert "incident_reassign" not in recorder.types


def test_a_check_that_refuses_stops_cad_run_with_one_line_before_anything(
    tmp_path: Path, world: Any, recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse() -> None:
        raise BadInputError("TEAM_MAPPING cannot be used: not JSON")

    def breaks() -> None:
        raise KeyError("x")

    config, payload = tmp_path / "routing.yaml", tmp_path / "payload.json"
    config.write_text(CONFIG, encoding="utf-8")
    payload.write_text(json.dumps({"title": "cluster-a has gone missing"}), encoding="utf-8")
    for check, line in ((refuse, "TEAM_MAPPING cannot be used"), (breaks, "check failed")):
        world(AlertPlan(name="team", plan=moving, check=check))
        with pytest.raises(SystemExit) as done:
            main(["run", "--payload-path", str(payload), "--config", str(config)])
        assert done.value.code == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith("cad: error:") and line in last
    assert recorder.calls == []


def test_the_registration_refuses_what_cannot_work() -> None:
    with pytest.raises(TypeError, match="plan must be callable"):
        AlertPlan(name="x", plan="not callable")  # type: ignore[arg-type]
    result = AlertPlanResult([EscalateIncident(reason="r")])
    assert isinstance(result.actions, tuple) and result.if_failed is None
