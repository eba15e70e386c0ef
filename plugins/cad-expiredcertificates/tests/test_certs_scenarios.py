"""Every row of the decision table end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the bundled `certs-*` examples of cad-sandbox)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios

INCIDENT = "Q1CADTEST00001"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("certs-"))
def test_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_note_names_each_certificate_that_needs_attention() -> None:
    result = run_scenario("certs-expired-and-expiring")
    [note] = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert "custom-ingress-cert" in note and "EXPIRED 2 days ago" in note
    assert "openshift-console/console (secret console-cert)" in note
    assert "EXPIRES SOON, in 3 days" in note
    assert "broken-cert: cannot read its certificate" in note
    assert "only the customer can replace them" in note
    [report] = result.world["backplane"]["reports"]
    assert "custom-ingress-cert" in report["data"]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_hcp_leaves_the_api_server_alone() -> None:
    result = run_scenario("certs-hcp-skips-api-server")
    kube_paths = [r["path"] for r in result.requests if r["service"] == "kube"]
    assert not any("apiservers" in path for path in kube_paths)
    [note] = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert "not checked on a hosted control plane" in note
    assert "router-certs" in note and "EXPIRES SOON, in 1 day" in note
