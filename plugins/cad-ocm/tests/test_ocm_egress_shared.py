"""The egress verdict is a shared resource (cad-ocm's egress_verification): one probe per
run, whichever investigations of the chain read it, seen in the simulators' request log."""

from __future__ import annotations

import logging

import pytest
from cad_sandbox.commands import run_scenario


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_egress_verifier_runs_once_however_many_investigations_ask(tmp_path) -> None:
    # cpd and cannotretrieveupdatessre both read egress_verification: one probe serves both.
    config = tmp_path / "routing.yaml"
    config.write_text(
        "chain_heads: [precheck, ccam]\n"
        "alerts:\n"
        "  - alert_title: ClusterProvisioningDelay -\n"
        "    investigations: [cpd, cannotretrieveupdatessre]\n"
    )
    result = run_scenario("cpd-row5-egress-blocked", config=str(config))
    record = result.runs[0][1]
    assert [i["name"] for i in record["investigations"]][-2:] == ["cpd", "cannotretrieveupdatessre"]
    egress = [r for r in result.requests if r["service"] == "egress"]
    assert [(r["method"], r["path"], r["status"], r["write"]) for r in egress] == [
        ("GET", "/egress", 200, False)
    ]


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize(
    ("scenario", "investigation", "prepared"),
    [
        ("cpd-row5-egress-blocked", "cpd", 1),
        ("iod-row6-egress-blocked", "insightsoperatordown", 1),
        ("cru-egress-blocked-retrieval-ok", "cannotretrieveupdatessre", 1),
        ("cpd-row5-routes-ok-egress-ok", "cpd", 0),
    ],
)
def test_a_blocked_egress_verdict_counts_a_prepared_service_log(
    caplog: pytest.LogCaptureFixture, scenario: str, investigation: str, prepared: int
) -> None:
    """Upstream's cad_investigate_servicelog_prepared_total, through the metric events."""
    caplog.set_level(logging.DEBUG, logger="cad.metrics")
    run_scenario(scenario)
    events = [r.getMessage() for r in caplog.records if r.name == "cad.metrics"]
    expected = f"metric servicelog_prepared alert_type={investigation}"
    assert events.count(expected) == prepared, events
