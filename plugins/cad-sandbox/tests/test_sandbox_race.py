"""Concurrent runs of one incident with the file lock, and what a run does when it waits in vain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cad_sandbox.commands import run_scenario
from cad_sandbox.race import run_trial, with_latency, workers

PROCESSES = 4
LATENCY_MS = 10
# chgm's plan writes limited support, cmbb's a service log; both a report and the run notes.
SCENARIOS = ("chgm-customer-stopped-instances", "cmbb-uwm-configmap-invalid")
ONE_RUN = {
    "chgm-customer-stopped-instances": {
        "limited_support": 1,
        "service_log": 0,
        "cluster_report": 1,
        "incident_note": 1,  # the run notes, which carry the reason for the silence
    },
    "cmbb-uwm-configmap-invalid": {
        "limited_support": 0,
        "service_log": 1,
        "cluster_report": 1,
        "incident_note": 1,
    },
}
STOPPED = SCENARIOS[0]


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with workers(PROCESSES) as started:
        yield started


def race_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "CAD_LOCK_DIR": str(tmp_path / "locks"),
        "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "0",
        "CAD_INVESTIGATION_RETRY_DELAY": "0.05",
        "CAD_RETRY_BASE_DELAY": "0.05",
        **extra,
    }


@pytest.mark.campaign(trials=6)  # bench/race.py runs the full race
def test_concurrent_runs_of_one_incident_write_everything_once(
    pool: Any, tmp_path: Path, campaign_trials: int
) -> None:
    env = race_env(tmp_path, CAD_LOCK_PROVIDER="file")
    for trial in range(campaign_trials):
        name = SCENARIOS[trial % len(SCENARIOS)]
        result = run_trial(pool, PROCESSES, with_latency(name, LATENCY_MS), env)
        assert result.written == ONE_RUN[name], f"trial {trial} ({name}): {result.written}"
        assert result.exit_codes == [0] * PROCESSES, result.records
        [incident] = result.world["pagerduty"]["incidents"].values()
        assert incident["escalation_policy"] == "PSILENT"
        assert incident["title"].count("[CAD Investigated]") == 1


@pytest.fixture
def lock_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fast_scenario_runs: None) -> Path:
    folder = tmp_path / "locks"
    monkeypatch.setenv("CAD_LOCK_DIR", str(folder))
    monkeypatch.setenv("CAD_LOCK_PROVIDER", "file")
    monkeypatch.setenv("CAD_LOCK_WAIT_SECONDS", "0.2")
    return folder


def test_a_run_that_cannot_get_the_lock_escalates_saying_another_run_holds_it(
    lock_env: Path,
) -> None:
    from cad_core.run.locks import acquire_file_lock

    release = acquire_file_lock("incident:Q1CADTEST00001", 0)  # "another run", for good
    try:
        result = run_scenario(STOPPED)
    finally:
        release()
    code, record, _ = result.runs[0]
    assert code == 1 and record["outcome"] == "failed"
    assert any(
        "another CAD run holds this incident (Q1CADTEST00001)" in e for e in record["errors"]
    )
    held_back = [a for a in record["actions"] if a["investigation"] == "chgm"]
    assert {a["type"] for a in held_back} >= {"limited_support", "cluster_report"}
    assert {a["status"] for a in held_back} == {"not_run"}
    [incident] = result.world["pagerduty"]["incidents"].values()
    [cluster] = result.world["ocm"]["clusters"].values()
    assert cluster["limited_support_reasons"] == [] and result.world["backplane"]["reports"] == []
    [failure] = [n for n in incident["notes"] if "another CAD run" in n]
    assert "another CAD run holds this incident (Q1CADTEST00001) and did not finish" in failure
    assert incident["escalation_policy"] != "PSILENT" and incident["escalation_level"] == 2


def test_dry_run_takes_no_lock(lock_env: Path) -> None:
    from cad_core.run.locks import acquire_file_lock

    release = acquire_file_lock("incident:Q1CADTEST00001", 0)
    try:
        result = run_scenario(STOPPED, dry_run=True)
    finally:
        release()
    code, record, _ = result.runs[0]
    assert code == 0, record["errors"]
    assert {a["status"] for a in record["actions"]} == {"dry_run"}


def test_cads_own_escalation_goes_ahead_when_the_lock_is_not_free(
    lock_env: Path, running: Any, scenario_data: Any, ids: Any
) -> None:
    """No investigation to hold back: the "no automation" escalation must still page."""
    from cad_core.run.locks import acquire_file_lock

    from cad_sandbox.commands import default_config, run_once

    data = scenario_data()
    data["pagerduty"]["incident"]["title"] = "a kind of alert CAD knows nothing about"
    box = running(data)
    release = acquire_file_lock(f"incident:{ids.incident}", 0)
    try:
        code, record, _ = run_once(box.webhook_body(), default_config(), False)
    finally:
        release()
    assert code == 0, record["errors"]
    assert [(a["type"], a["status"]) for a in record["actions"]] == [
        ("incident_note", "succeeded"),
        ("escalate_incident", "succeeded"),
    ]
    incident = box.world.to_json()["pagerduty"]["incidents"][ids.incident]
    assert incident["escalation_level"] == 2
