"""Concurrent ``cad run`` processes for one incident, locked by Leases in the simulated cluster."""

from __future__ import annotations

import importlib.util
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cad_core.run.locks import lock_name
from cad_sandbox.race import run_trial, with_latency, workers

PROCESSES = 4
LATENCY_MS = 10
SCENARIOS = ("chgm-customer-stopped-instances", "cmbb-uwm-configmap-invalid")
ONE_RUN = {  # what a single run writes on a fresh world
    SCENARIOS[0]: {
        "limited_support": 1,
        "service_log": 0,
        "cluster_report": 1,
        "incident_note": 1,
    },
    SCENARIOS[1]: {
        "limited_support": 0,
        "service_log": 1,
        "cluster_report": 1,
        "incident_note": 1,
    },
}
pytestmark = pytest.mark.campaign(trials=6)  # bench/race.py runs the full race
INCIDENT = "incident:Q1CADTEST00001"  # the incident of both scenarios
ENV = {
    "CAD_LOCK_PROVIDER": "lease",
    "CAD_LEASE_DURATION_SECONDS": "3",
    "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "0",
    "CAD_INVESTIGATION_RETRY_DELAY": "0.05",
    "CAD_RETRY_BASE_DELAY": "0.05",
}


def _holder_helper() -> Any:
    # Test files are not importable by name (--import-mode=importlib); load the sibling.
    path = Path(__file__).with_name("test_lease_provider.py")
    spec = importlib.util.spec_from_file_location("lease_provider_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.hold_in_another_process


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with workers(PROCESSES) as started:
        yield started


def check(trial: Any, name: str, number: int) -> None:
    assert trial.written == ONE_RUN[name], f"trial {number} ({name}): {trial.written}"
    assert trial.exit_codes == [0] * PROCESSES, [r["errors"] for r in trial.records]
    [incident] = trial.world["pagerduty"]["incidents"].values()
    assert incident["escalation_policy"] == "PSILENT"


def test_concurrent_runs_with_leases_write_everything_once(pool: Any, campaign_trials: int) -> None:
    for number in range(campaign_trials):
        name = SCENARIOS[number % len(SCENARIOS)]
        trial = run_trial(pool, PROCESSES, with_latency(name, LATENCY_MS), ENV)
        check(trial, name, number)


def test_runs_take_over_from_a_holder_killed_with_sigkill(pool: Any) -> None:
    hold_in_another_process = _holder_helper()
    killed: list[Any] = []

    def leave_a_dead_holder(env: dict[str, str]) -> None:
        holder = hold_in_another_process(INCIDENT, {**env, **ENV})
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        killed.append(holder)

    name = SCENARIOS[0]
    trial = run_trial(
        pool, PROCESSES, with_latency(name, LATENCY_MS), ENV, prepare=leave_a_dead_holder
    )
    assert killed and killed[0].returncode == -signal.SIGKILL
    check(trial, name, 0)
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/cad/leases/{lock_name(INCIDENT)}"
    calls = [(r["method"], r["status"]) for r in trial.requests if r["path"] == lease_path]
    # The dead holder's Lease was found, and taken over by a PUT once it had expired.
    assert ("GET", 200) in calls and ("PUT", 200) in calls
