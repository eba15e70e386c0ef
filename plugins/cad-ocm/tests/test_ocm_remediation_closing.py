"""Issue 26: an investigation's backplane remediation is deleted once the investigation has
returned, beside its plan, not after it (cad_core/run/closing.py). Observed in the
sandbox's request log: its order, and which remediation every request went through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from cad_sandbox.commands import run_scenario
from cad_sandbox.scenario import bundled_examples

CERTIFICATES = "certs-expired-and-expiring"
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
REMEDIATION = f"/backplane/remediation/{CLUSTER}"
WAIT_S = 120  # only reached when something is wrong: the test then fails, not hangs


def bundled(name: str) -> dict[str, Any]:
    examples = bundled_examples()
    if name not in examples:
        pytest.skip(f"the {name} example scenario is not installed")
    data: dict[str, Any] = yaml.safe_load(Path(examples[name]).read_text(encoding="utf-8"))
    return data


def remediation_calls(log: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [e for e in log if e["path"] == REMEDIATION and e["method"] == method]


def through_a_remediation(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if e["service"] in ("kube", "management_kube")]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_remediation_is_deleted_beside_the_plan_not_after_it() -> None:
    bundled(CERTIFICATES)
    result = run_scenario(CERTIFICATES, latency_ms=50)  # every request one clear step
    assert result.check() == []
    log = result.requests
    [opened], [deleted] = remediation_calls(log, "POST"), remediation_calls(log, "DELETE")
    plan_writes = [e for e in log if e["write"] and e["path"] != REMEDIATION]
    # Before (or beside) the plan's first write: no longer the run's last request.
    assert deleted["start_ms"] < plan_writes[0]["end_ms"], log
    assert log[-1]["path"] != REMEDIATION
    # Every kube read went through the remediation while it was open.
    kube = through_a_remediation(log)
    assert kube and all(opened["end_ms"] <= e["start_ms"] for e in kube)
    assert all(e["end_ms"] <= deleted["start_ms"] for e in kube)


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_dry_run_closes_the_remediation_beside_its_plan_too() -> None:
    bundled(CERTIFICATES)
    result = run_scenario(CERTIFICATES, dry_run=True, latency_ms=20)
    assert result.exit_code == 0
    log = result.requests
    [_opened], [deleted] = remediation_calls(log, "POST"), remediation_calls(log, "DELETE")
    assert all(e["end_ms"] <= deleted["start_ms"] for e in through_a_remediation(log))
    assert log[-1]["path"] != REMEDIATION  # the plan's checks read on beside the close


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_retried_investigation_keeps_its_remediation_between_attempts(tmp_path: Path) -> None:
    data = bundled("cmbb-monitoring-healthy")
    data["faults"] = [{"service": "kube", "path": "*", "status": 503, "times": 1}]
    scenario = tmp_path / "cmbb-retried.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_scenario(str(scenario))
    assert result.exit_code == 0
    attempts = {i["name"]: i["attempts"] for i in result.runs[0][1]["investigations"]}
    assert attempts["clustermonitoringerrorbudgetburn"] == 2
    log = result.requests
    [_opened], [deleted] = remediation_calls(log, "POST"), remediation_calls(log, "DELETE")
    kube = through_a_remediation(log)
    assert [e["status"] for e in kube] == [503, 200]  # both attempts, one remediation
    assert kube[-1]["end_ms"] <= deleted["start_ms"]


def test_sigterm_during_the_plan_waits_for_the_close_in_flight(
    sandbox: Any, tmp_path: Path
) -> None:
    data = bundled(CERTIFICATES)
    # The close and the plan's first read are both held by the simulators for a while:
    # the SIGTERM arrives with the deletion in flight in its own thread.
    data["faults"] = [
        {"service": "backplane", "path": REMEDIATION, "method": "DELETE", "kind": "timeout"},
        {"service": "backplane", "path": "*/reports", "method": "GET", "kind": "timeout"},
    ]
    box = sandbox(data, timeout_sleep_s=3)  # then the late answer (CAD's timeout is 10 s)
    env = {**os.environ, **box.env(), "CAD_STATE_DIR": str(tmp_path / "state")}
    command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
    command += ["-c", CLUSTER, "-i", "expiredcertificates"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WAIT_S
    while not _held_both(box.requests) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if run.poll() is not None or not _held_both(box.requests):
        run.kill()
        pytest.fail(run.communicate()[1].decode()[-3000:])
    assert box.world.remediations  # still there: its deletion is in flight
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=WAIT_S)
    assert run.returncode == 143, stderr.decode()[-3000:]
    assert b"Traceback" not in stderr
    assert box.world.remediations == {}
    assert len(remediation_calls(box.requests, "DELETE")) == 1  # waited for, not repeated
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def _held_both(log: list[dict[str, Any]]) -> bool:
    held = {(e["method"], e["path"].rsplit("/", 1)[-1]) for e in log if e["status"] == "timeout"}
    return {("DELETE", CLUSTER), ("GET", "reports")} <= held
