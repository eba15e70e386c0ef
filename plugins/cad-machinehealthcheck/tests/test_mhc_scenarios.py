"""Every row of the decision table end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the plugin's own `mhc-*` scenarios)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios

INCIDENT = "Q1CADTEST00001"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("mhc-"))
def test_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_note_recommends_deleting_both_machines_in_one_command() -> None:
    result = run_scenario("mhc-failed-machines-to-delete")
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]  # then the escalation
    assert "oc delete machine -n openshift-machine-api worker-a worker-b" in note
    kube = [(r["method"], r["path"]) for r in result.requests if r["service"] == "kube"]
    assert len(kube) == len(set(kube)) and all(method == "GET" for method, _ in kube)
    assert not any(path == "/api/v1/nodes" for _, path in kube)  # no machine needed a node


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_remediation_is_named_after_the_investigation() -> None:
    result = run_scenario("mhc-node-stuck-draining")
    opened = [
        r.get("query", "")
        for r in result.requests
        if r["service"] == "backplane" and r["method"] == "POST" and "remediation" in r["path"]
    ]
    assert opened == ["remediationName=machinehealthcheckunterminatedshortcircuitsre"]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_listing_that_keeps_failing_is_noted_and_the_run_finishes() -> None:
    """As upstream (issue 25): the error goes in the report, the run does not fail."""
    result = run_scenario("mhc-list-error-noted")
    assert result.runs[0][0] == 0
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert "could not list the MachineHealthChecks" in note
    assert "No machines were found" in note


def test_upstreams_short_name_runs_the_investigation() -> None:
    from cad_core.plugins.registry import build_registry

    registry = build_registry(entry_points=True)
    name = "machinehealthcheckunterminatedshortcircuitsre"
    assert registry.investigation("machine-health-check").name == name
