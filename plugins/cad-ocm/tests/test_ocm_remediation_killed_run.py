"""Issues 14.7 and 22.8 against real processes: `cad run` is SIGKILLed (or SIGTERMed)
while it holds a backplane remediation (a service account with RBAC on the customer's
cluster); the run itself (SIGTERM) or the next run for that cluster (SIGKILL) removes it,
and a planted ledger entry never makes CAD delete a remediation it did not open. Waits
are on the world's state, never on durations."""

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
from cad_sandbox.scenario import Latency

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INVESTIGATION = "clustermonitoringerrorbudgetburn"


def remediation_calls(box: Any) -> list[str]:
    return [
        r["method"]
        for r in box.requests
        if r["service"] == "backplane" and r["path"].startswith("/backplane/remediation/")
    ]


def test_a_remediation_left_by_a_killed_run_is_removed_by_the_next_run(
    sandbox: Any, tmp_path: Path
) -> None:
    box, command, env, first = _first_run_holding_a_remediation(sandbox, tmp_path)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(box.world.remediations) == 1  # leaked, as a killed run leaves it
    [entry] = (tmp_path / "state" / "remediations").glob("*/*.json")
    grant = json.loads(entry.read_text())
    assert grant["pid"] == first.pid and grant["owner"] and grant["mac"]
    # Its process is gone (same host): the next run removes it at once, with no TTL wait.
    box.world.scenario = dataclasses.replace(box.world.scenario, latency_ms=Latency())

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 1), second.stderr
    assert "Traceback" not in second.stderr
    assert "which is gone" in second.stderr
    assert box.world.remediations == {}
    assert remediation_calls(box).count("POST") == 2
    assert remediation_calls(box).count("DELETE") == 2
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def _first_run_holding_a_remediation(
    sandbox: Any, tmp_path: Path
) -> tuple[Any, list[str], dict[str, str], subprocess.Popen[bytes]]:
    from cad_sandbox.scenario import bundled_examples

    examples = bundled_examples()
    if "cmbb-monitoring-healthy" not in examples:
        pytest.skip("the cmbb example scenario is not bundled")
    data = yaml.safe_load(examples["cmbb-monitoring-healthy"].read_text())
    data["latency_ms"] = {"kube": 600_000}  # the first run waits in its first kube call
    box = sandbox(data)
    env = {**os.environ, **box.env(), "CAD_STATE_DIR": str(tmp_path / "state")}
    command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
    command += ["-c", CLUSTER, "-i", INVESTIGATION]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ledger = tmp_path / "state" / "remediations"
    for _ in range(2400):  # until the remediation exists and is written down (or the run ended)
        if box.world.remediations and list(ledger.glob("*/*.json")) or first.poll() is not None:
            break
        time.sleep(0.05)
    if not box.world.remediations:
        first.kill()
        pytest.fail(first.communicate()[1].decode()[-3000:])
    return box, command, env, first


def test_a_run_stopped_with_sigterm_removes_its_remediation_itself(
    sandbox: Any, tmp_path: Path
) -> None:
    box, _command, _env, first = _first_run_holding_a_remediation(sandbox, tmp_path)
    first.send_signal(signal.SIGTERM)
    # Its kube call is cut short when the kube latency is lifted (as a pod's would time out).
    box.world.scenario = dataclasses.replace(box.world.scenario, latency_ms=Latency())
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 143, stderr.decode()[-3000:]
    assert b"Traceback" not in stderr
    assert box.world.remediations == {}
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def test_a_planted_ledger_entry_never_deletes_a_remediation_cad_did_not_open(
    sandbox: Any, tmp_path: Path
) -> None:
    box, command, env, first = _first_run_holding_a_remediation(sandbox, tmp_path)
    first.kill()
    first.wait()
    [ours] = box.world.remediations
    # An SRE's own remediation on the same cluster, and entries naming it that CAD never
    # wrote: one forged, one an old-format file, one a copy of CAD's with its id swapped.
    with box.world.lock:
        box.world.remediations["remediation-of-an-sre"] = CLUSTER
    folder = tmp_path / "state" / "remediations" / CLUSTER
    genuine = json.loads((folder / f"{ours}.json").read_text())
    planted = {**genuine, "instance_id": "remediation-of-an-sre", "pid": 999_999_999}
    (folder / "planted.json").write_text(json.dumps({**planted, "expires": 0}))
    (folder / "old.json").write_text(
        json.dumps(
            {
                "cluster_id": CLUSTER,
                "instance_id": "remediation-of-an-sre",
                "name": INVESTIGATION,
                "expires": 0,
            }
        )
    )
    (folder / "forged.json").write_text(json.dumps({**planted, "mac": "0" * 64}))
    box.world.scenario = dataclasses.replace(box.world.scenario, latency_ms=Latency())

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 1), second.stderr
    assert box.world.remediations == {"remediation-of-an-sre": CLUSTER}  # ours went, theirs not
    assert "leaving remediation remediation-of-an-sre" in second.stderr
