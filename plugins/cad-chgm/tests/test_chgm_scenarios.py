"""Every branch of the decision table, end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the plugin's own `chgm-*` scenarios)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("chgm-"))
def test_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []
