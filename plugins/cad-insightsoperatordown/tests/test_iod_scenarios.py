"""Every row of the insightsoperatordown decision table, end to end against the sandbox world
(the plugin's own `iod-*` scenarios, in its scenarios/ folder), plus the plugin's registration."""

from __future__ import annotations

import pytest
from cad_core.plugins.registry import build_registry
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios


def test_iod_is_registered_by_its_entry_point() -> None:
    registry = build_registry(entry_points=True)
    assert registry.investigation("insightsoperatordown").name == "insightsoperatordown"
    assert registry.plugins["insightsoperatordown"].distribution == "cad-insightsoperatordown"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("iod-"))
def test_iod_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


def test_iod_every_decision_row_has_a_scenario() -> None:
    rows = {name.split("-")[1] for name in bundled_scenarios("iod-")}
    assert rows == {f"row{n}" for n in range(1, 7)}


@pytest.mark.usefixtures("fast_scenario_runs")
def test_iod_the_sca_bug_note_carries_the_known_fix() -> None:
    record = run_scenario("iod-row5-sca-certificate-bug").runs[0][1]
    (notes,) = [i["notes"] for i in record["investigations"] if i["name"] == "insightsoperatordown"]
    assert any("OCPBUGS-22226" in n and "delete pods -l app=insights-operator" in n for n in notes)
