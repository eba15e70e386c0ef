"""Every row of the decision table end to end against the sandbox world (the scenarios in
tests/scenarios), and the restart action under dry-run and inform mode."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cad_core.errors import ActionValidationError
from cad_core.plan.actions import from_dict, to_dict
from cad_core.run.app import RunRequest, execute
from cad_sandbox.commands import environment, run_scenario

from cad_restartcontrolplane.actions import RESTART_ANNOTATION, RestartControlPlane

HERE = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(str(p) for p in HERE.glob("*.yaml"))
INCIDENT = "Q1CADTEST00001"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: Path(p).stem)
def test_scenario_meets_its_expectations(path: str) -> None:
    assert run_scenario(path).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_hosted_cluster_is_stamped_through_a_management_remediation() -> None:
    result = run_scenario(str(HERE / "rcp-hcp-restart-requested.yaml"))
    [hosted] = result.world["kube_changes"]["management"]
    stamped = hosted["metadata"]["annotations"][RESTART_ANNOTATION]
    assert stamped != "2024-01-01T00:00:00Z" and stamped.endswith("Z")
    writes = [(r["service"], r["method"]) for r in result.requests if r["write"]]
    assert ("management_kube", "PUT") in writes
    assert not any(service == "kube" for service, _ in writes)  # the customer's cluster: untouched


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_dry_run_says_what_it_would_do_and_writes_nothing() -> None:
    result = run_scenario(str(HERE / "rcp-hcp-restart-requested.yaml"), dry_run=True)
    [restart] = [o for o in result.runs[0][1]["actions"] if o["type"] == "restart_control_plane"]
    assert restart["status"] == "dry_run" and "would run" in restart["reason"]
    assert "kube_changes" not in result.world


@pytest.mark.usefixtures("fast_scenario_runs")
def test_inform_mode_holds_the_restart_and_the_printed_command_applies_it(
    sandbox: Any, tmp_path: Path
) -> None:
    config = tmp_path / "inform.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "chain_heads": ["precheck"],
                "alerts": [
                    {
                        "alert_title": "RestartControlPlane",
                        "mode": "inform",
                        "investigations": ["restartcontrolplane"],
                    }
                ],
            }
        )
    )
    world = yaml.safe_load((HERE / "rcp-hcp-restart-requested.yaml").read_text())
    world.pop("expect")
    box = sandbox(world)
    with environment(box.env()):
        record = execute(RunRequest(box.webhook_body(), config=str(config)))
    statuses = {(o.type, str(o.status)) for o in record.actions}
    assert ("restart_control_plane", "held_for_approval") in statuses
    assert "kube_changes" not in box.world.to_json()
    notes = box.world.to_json()["pagerduty"]["incidents"][INCIDENT]["notes"]
    [command] = [line for n in notes for line in n.splitlines() if line.startswith("cad apply ")]

    # A person reads the plan, agrees, and runs the command from the note (--yes: no terminal).
    cad = str(Path(sys.executable).with_name("cad"))
    done = subprocess.run(
        [cad, *shlex.split(command)[1:], "--yes", "--output", "json"],
        env={**os.environ, **box.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    applied = [(a["type"], a["status"]) for a in json.loads(done.stdout)["actions"]]
    assert applied == [("restart_control_plane", "succeeded")]
    [hosted] = box.world.to_json()["kube_changes"]["management"]
    assert RESTART_ANNOTATION in hosted["metadata"]["annotations"]


def test_the_action_round_trips_and_refuses_a_time_without_a_zone() -> None:
    action = RestartControlPlane(
        cluster_id="c1",
        namespace="ocm-production-c1",
        hosted_cluster="a",
        restart_date="2026-01-01T00:00:00Z",
    )
    assert from_dict(to_dict(action)) == action
    with pytest.raises(ActionValidationError, match="restart_date"):
        RestartControlPlane(
            cluster_id="c1", namespace="n", hosted_cluster="a", restart_date="yesterday"
        )
