"""The sandbox's ``fast_scenario_runs`` fixture, plus chgm's own wait shortened."""

from __future__ import annotations

import pytest


@pytest.fixture
def fast_scenario_runs(fast_scenario_runs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """cad-sandbox's fixture, plus chgm's CloudTrail wait: whole runs need no real seconds."""
    monkeypatch.setenv("CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS", "1")
