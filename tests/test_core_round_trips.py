"""Each shared scenario waits for at most its dependency bound + 1 round trips (issue 26).

Not timed: the sandbox's request log records when each request started and ended, and the
critical path counts the requests that had to wait for one another (a request started
only after the one before it ended). With 200 ms on every simulated service, reads that
overlap in CAD overlap in the log; the bound comes from what the chain declares
(``bench/_bound.py``, the same computation ``bench/whole_run.py`` prints).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "scenarios"
sys.path.insert(0, str(REPO / "bench"))

from whole_run import bound_of, scenario_paths  # noqa: E402

from cad_core.report.critical_path import critical_path  # noqa: E402

LATENCY_MS = 200  # well above the CPU gaps of a busy machine, so overlapping reads overlap


@pytest.mark.campaign
@pytest.mark.parametrize("path", scenario_paths(), ids=lambda path: path.stem)
def test_a_scenario_waits_no_more_than_its_bound_plus_one(path: Path) -> None:
    bound, log = bound_of(path, LATENCY_MS)
    waited = critical_path(log).round_trips
    assert bound.levels > 0, bound.parts
    assert waited <= bound.levels + 1, (waited, bound.levels, dict(bound.parts))


def test_the_shared_scenarios_and_the_certificates_one_are_measured() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/scenarios is not beside the repository")
    names = {path.stem for path in scenario_paths()}
    assert {p.stem for p in SHARED.glob("*.yaml")} <= names
    assert "certs-expired-and-expiring" in names
