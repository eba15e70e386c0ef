"""A real `cad run` of restartcontrolplane holds a remediation on an HCP cluster's
management cluster (managingCluster=management) when it is SIGKILLed: the next run for
that cluster deletes it with the same parameter, found by its signed ledger entry; a
SIGTERMed one deletes it itself. Waits are on the world's state, never on durations."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

SCENARIO = Path(__file__).parent / "scenarios" / "rcp-hcp-restart-requested.yaml"
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
COMMAND = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
COMMAND += ["-c", CLUSTER, "-i", "restartcontrolplane"]


def test_a_management_remediation_left_by_a_killed_run_is_removed_by_the_next_run(
    sandbox: Any, tmp_path: Path
) -> None:
    box, env, first = _first_run_holding_a_management_remediation(sandbox, tmp_path)
    first.send_signal(signal.SIGKILL)
    first.wait()
    [instance] = box.world.management_remediations  # leaked, as a killed run leaves it
    [entry] = (tmp_path / "state" / "remediations" / CLUSTER).glob("*.json")
    grant = json.loads(entry.read_text())
    assert (grant["instance_id"], grant["managing_cluster"]) == (instance, "management")
    assert grant["pid"] == first.pid and grant["mac"]
    _lift_latency(box)

    second = subprocess.run(COMMAND, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 1), second.stderr
    assert "Traceback" not in second.stderr
    assert f"left on the management cluster of cluster {CLUSTER}" in second.stderr
    deletes = [
        dict(part.split("=", 1) for part in str(r.get("query", "")).split("&"))
        for r in box.requests
        if r["method"] == "DELETE" and r["path"] == f"/backplane/remediation/{CLUSTER}"
    ]
    assert {"remediationInstanceId": instance, "managingCluster": "management"} in deletes
    assert box.world.remediations == {}
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def test_a_run_stopped_with_sigterm_removes_its_management_remediation_itself(
    sandbox: Any, tmp_path: Path
) -> None:
    box, _env, first = _first_run_holding_a_management_remediation(sandbox, tmp_path)
    first.send_signal(signal.SIGTERM)
    _lift_latency(box)  # its management kube call is cut short, as a pod's would time out
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 143, stderr.decode()[-3000:]
    assert b"Traceback" not in stderr
    assert box.world.remediations == {}
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def _first_run_holding_a_management_remediation(
    sandbox: Any, tmp_path: Path
) -> tuple[Any, dict[str, str], subprocess.Popen[bytes]]:
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    # The management kube API answers with kube's latency: the run waits in its first call.
    data["latency_ms"] = {"kube": 600_000}
    box = sandbox(data)
    env = {**os.environ, **box.env(), "CAD_STATE_DIR": str(tmp_path / "state")}
    first = subprocess.Popen(COMMAND, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ledger = tmp_path / "state" / "remediations"
    for _ in range(2400):  # until the remediation exists and is written down (or the run ended)
        held = box.world.management_remediations and list(ledger.glob("*/*.json"))
        if held or first.poll() is not None:
            break
        time.sleep(0.05)
    if not box.world.management_remediations:
        first.kill()
        pytest.fail(first.communicate()[1].decode()[-3000:])
    return box, env, first


def _lift_latency(box: Any) -> None:
    scenario = box.world.scenario
    box.world.scenario = dataclasses.replace(scenario, latency_ms=type(scenario.latency_ms)())
