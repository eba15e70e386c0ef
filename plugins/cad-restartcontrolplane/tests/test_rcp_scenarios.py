"""Every row of the decision table end to end against the sandbox world (the scenarios in
tests/scenarios), and the restart action under dry-run and inform mode."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cad_core.actions import from_dict, to_dict
from cad_core.errors import ActionValidationError
from cad_sandbox.commands import run_scenario

from cad_restartcontrolplane.actions import RESTART_ANNOTATION, RestartControlPlane

HERE = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(str(p) for p in HERE.glob("*.yaml"))


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
def test_inform_mode_holds_the_restart_for_a_person(tmp_path: Path) -> None:
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
    result = run_scenario(str(HERE / "rcp-hcp-restart-requested.yaml"), config=str(config))
    statuses = {(o["type"], o["status"]) for o in result.runs[0][1]["actions"]}
    assert ("restart_control_plane", "held_for_approval") in statuses
    assert "kube_changes" not in result.world


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
