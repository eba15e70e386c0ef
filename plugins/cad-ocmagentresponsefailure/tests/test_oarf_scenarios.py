"""Every row of the ocmagentresponsefailure decision table, end to end against the sandbox
world (the `oarf-*` scenarios shipped in this folder), plus the plugin's registration."""

from __future__ import annotations

from pathlib import Path

import pytest
from cad_core.plugins.registry import build_registry
from cad_sandbox.commands import run_scenario

NAME = "ocmagentresponsefailure"
SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("oarf-*.yaml"))
INCIDENT = "Q1CADOARF0001"
CLUSTER = "2oarf0cluster0id0000000000000000"


def notes_of(record: dict[str, object]) -> list[str]:
    investigations = record["investigations"]
    assert isinstance(investigations, list)
    (notes,) = [i["notes"] for i in investigations if i["name"] == NAME]
    return [n for n in notes if not n.startswith("🤖 Saved these findings")]  # the report


def test_oarf_is_registered_with_a_default_route() -> None:
    registry = build_registry(entry_points=True)
    investigation = registry.investigation(NAME)
    assert investigation.default_route is not None
    assert investigation.default_route.alert_titles == ("OCMAgentResponseFailure",)
    assert registry.plugins[NAME].distribution == "cad-ocmagentresponsefailure"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_oarf_scenario_meets_its_expectations(path: Path) -> None:
    assert run_scenario(str(path)).check() == []


def test_oarf_every_decision_row_has_a_scenario() -> None:
    assert {p.stem.split("-")[1] for p in SCENARIOS} == {f"row{n}" for n in range(1, 10)}


@pytest.mark.usefixtures("fast_scenario_runs")
def test_oarf_the_banned_owner_service_log_is_critical_and_ours() -> None:
    result = run_scenario(str(SCENARIOS[4]))
    (log,) = result.world["ocm"]["clusters"][CLUSTER]["service_logs"]
    assert log["severity"] == "Critical" and not log["internal_only"]
    assert log["summary"] == "Action required: the cluster owner's account is disabled"


@pytest.mark.usefixtures("fast_scenario_runs")
def test_oarf_blocked_egress_ends_the_checks() -> None:
    """As upstream: the owner and the pull secret are not judged (they may be read ahead)."""
    result = run_scenario(str(SCENARIOS[1]))
    notes = notes_of(result.runs[0][1])
    assert len(notes) == 1 and "api.openshift.com:443, sso.redhat.com:443" in notes[0]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_oarf_notes_name_registries_but_never_credentials_or_addresses() -> None:
    result = run_scenario(str(SCENARIOS[7]))
    notes = "\n".join(notes_of(result.runs[0][1]))
    assert "registry registry.redhat.io differs" in notes
    assert "registry quay.io carries another e-mail address" in notes
    posted = "\n".join(result.world["pagerduty"]["incidents"][INCIDENT]["notes"])
    for secret in ("t-rh", "u-rh", "owner@example.com", "someone@example.com"):
        assert secret not in notes and secret not in posted


@pytest.mark.usefixtures("fast_scenario_runs")
def test_oarf_a_verifier_that_did_not_complete_is_noted_and_the_checks_go_on() -> None:
    notes = notes_of(run_scenario(str(SCENARIOS[9])).runs[0][1])
    assert notes[0].startswith("⚠️ Egress was not verified")
    assert notes[-1] == "✅ The cluster's pull secret matches the owner's OCM account"
