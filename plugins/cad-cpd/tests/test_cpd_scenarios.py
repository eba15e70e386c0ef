"""Every row of the cpd decision table, end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the plugin's own `cpd-*` scenarios)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("cpd-"))
def test_cpd_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


def test_cpd_every_decision_row_has_a_scenario() -> None:
    rows = {name.split("-")[1] for name in bundled_scenarios("cpd-")}
    assert rows == {"row1", "row2", "row3", "row4", "row5"}
