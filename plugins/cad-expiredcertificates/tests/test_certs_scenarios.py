"""Every row of the decision table end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the plugin's own `certs-*` scenarios)."""

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
def test_an_unknown_cluster_is_a_note_without_escalation_when_nothing_runs_first(
    tmp_path,
) -> None:
    config = tmp_path / "routing.yaml"  # no chain heads: expiredcertificates alone
    config.write_text(
        "alerts:\n  - {alert_title: expiredcertificates, investigations: [expiredcertificates]}\n"
    )
    result = run_scenario("certs-unknown-cluster", config=str(config))
    actions = [(a["type"], a["status"]) for a in result.runs[0][1]["actions"]]
    assert actions == [("incident_note", "succeeded"), ("incident_title", "succeeded")]
    [note] = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert "could not look the cluster up, so no certificate was checked" in note
    assert result.world["backplane"]["reports"] == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_hcp_leaves_the_api_server_alone() -> None:
    result = run_scenario("certs-hcp-skips-api-server")
    kube_paths = [r["path"] for r in result.requests if r["service"] == "kube"]
    assert not any("apiservers" in path for path in kube_paths)
    [note] = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert "not checked on a hosted control plane" in note
    assert "router-certs" in note and "EXPIRES SOON, in 1 day" in note


def test_the_first_reads_go_out_together() -> None:
    """The three configuration objects and the four namespaces' TLS secrets do not wait
    for one another: with 250 ms per answer, all seven start before the first returns.
    (50 ms was too short on a busy machine: seven threads took longer than that to start.)"""
    result = run_scenario("certs-expired-and-expiring", latency_ms=250)
    kube = sorted(
        (r for r in result.requests if r["service"] == "kube"), key=lambda r: r["start_ms"]
    )
    first_answer = min(r["end_ms"] for r in kube)
    assert len([r for r in kube if r["start_ms"] < first_answer]) == 7
    assert result.check() == []
