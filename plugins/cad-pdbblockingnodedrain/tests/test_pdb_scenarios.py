"""Every row of the decision table end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the plugin's own `pdb-*` scenarios)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios

INCIDENT = "Q1CADTEST00001"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("pdb-"))
def test_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_owner_is_resolved_through_the_replica_set_once() -> None:
    result = run_scenario("pdb-customer-budget-scaling-helps")
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert "shop/web-pdb [customer]" in note and "owned by: Deployment/web" in note
    assert "one more replica would let the drain go on" in note
    kube = [(r["path"], r.get("query", "")) for r in result.requests if r["service"] == "kube"]
    assert len(kube) == len(set(kube))
    assert [q for p, q in kube if p == "/api/v1/pods"] == [
        "limit=500&fieldSelector=spec.nodeName%3Dip-10-0-1-1"
    ]
