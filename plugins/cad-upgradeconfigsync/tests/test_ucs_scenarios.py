"""Every row of the upgradeconfigsync decision table, end to end against the sandbox world
(the plugin's own `ucs-*` scenarios, in its scenarios/ folder), plus the plugin's registration."""

from __future__ import annotations

import pytest
from cad_core.plugins.registry import build_registry
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios

NAME = "upgradeconfigsyncfailureover4hr"


def test_ucs_is_registered_by_its_entry_point() -> None:
    registry = build_registry(entry_points=True)
    assert registry.investigation("upgradeconfigsync").name == NAME
    assert registry.investigation("upgrade-config").name == NAME  # upstream's short name
    assert registry.plugins["upgradeconfigsync"].distribution == "cad-upgradeconfigsync"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("ucs-"))
def test_ucs_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


def test_ucs_every_decision_row_has_a_scenario() -> None:
    rows = {name.split("-")[1] for name in bundled_scenarios("ucs-")}
    assert rows == {f"row{n}" for n in range(1, 8)}


@pytest.mark.usefixtures("fast_scenario_runs")
def test_ucs_notes_name_registries_but_never_credentials_or_addresses() -> None:
    result = run_scenario("ucs-row6-registry-credentials-differ")
    record = result.runs[0][1]
    notes = "\n".join(n for i in record["investigations"] if i["name"] == NAME for n in i["notes"])
    assert "registry registry.redhat.io differs" in notes
    assert "no entry for registry quay.io" in notes
    posted = "\n".join(result.world["pagerduty"]["incidents"]["Q1CADUCS00001"]["notes"])
    for secret in ("an-old-token", "t-rh", "u-rh", "owner@example.com"):
        assert secret not in notes and secret not in posted


@pytest.mark.usefixtures("fast_scenario_runs")
def test_ucs_the_banned_owner_service_log_is_ours_and_kind() -> None:
    result = run_scenario("ucs-row3-owner-banned")
    (log,) = result.world["ocm"]["clusters"]["2ucs0cluster0id00000000000000000"]["service_logs"]
    assert log["summary"] == "Action required: the cluster owner's account is disabled"
    assert log["severity"] == "Critical" and not log["internal_only"]
    assert "transferring the cluster's ownership" in log["description"]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_ucs_an_export_control_ban_points_at_this_alerts_sop() -> None:
    """The ban line is cad-ocm's (shared with ocmagentresponsefailure); the SOP is ours."""
    result = run_scenario("ucs-row2-export-control-ban")
    posted = "\n".join(result.world["pagerduty"]["incidents"]["Q1CADUCS00001"]["notes"])
    assert "banned for export control compliance" in posted
    assert "UpgradeConfigSyncFailureOver4HrSRE.md#user-banneddisabled" in posted
