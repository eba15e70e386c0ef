"""Every row of the cannotretrieveupdatessre decision table, end to end against the sandbox world
(the plugin's own `cru-*` scenarios, in its scenarios/ folder), plus the plugin's registration."""

from __future__ import annotations

import pytest
from cad_core.plugins.registry import build_registry
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios


def test_cru_is_registered_by_its_entry_point() -> None:
    registry = build_registry(entry_points=True)
    assert registry.investigation("cannotretrieveupdates").name == "cannotretrieveupdatessre"
    # upstream's short name for manual runs (cadctl's shortNameToInvestigation)
    assert registry.investigation("can-not-retrieve-updates").name == "cannotretrieveupdatessre"
    assert registry.plugins["cannotretrieveupdates"].distribution == "cad-cannotretrieveupdates"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("cru-"))
def test_cru_scenario_meets_its_expectations(name: str) -> None:
    assert run_scenario(name).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cru_the_note_carries_reason_message_version_and_channel() -> None:
    record = run_scenario("cru-version-not-in-channel-egress-ok").runs[0][1]
    (notes,) = [
        i["notes"] for i in record["investigations"] if i["name"] == "cannotretrieveupdatessre"
    ]
    failure = next(n for n in notes if "cannot retrieve updates" in n)
    assert "VersionNotFound" in failure and "4.18.1" in failure and "stable-4.18" in failure
    assert notes[0] == "✅ The egress check found no blocked endpoints"
