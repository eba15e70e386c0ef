"""Every branch of the decision table, end to end: webhook, routing, investigation, plan,
executors, against the sandbox world (the bundled `cmbb-*` examples of cad-sandbox)."""

from __future__ import annotations

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.scenario import bundled_examples

SCENARIOS = sorted(name for name in bundled_examples() if name.startswith("cmbb-"))


@pytest.fixture(autouse=True)
def fast_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    # Waiting for CloudTrail and retrying investigations need not take real seconds here.
    monkeypatch.setenv("CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS", "1")
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.05")
    monkeypatch.setenv("CAD_RETRY_BASE_DELAY", "0.05")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_meets_its_expectations(name: str) -> None:
    result = run_scenario(name)
    assert result.check() == []
