"""Issue 14.7 against real processes: `cad run` is SIGKILLed while it holds a backplane
remediation (a service account with RBAC on the customer's cluster); the next run for
that cluster removes it. Waits are on the world's state, never on durations."""

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
    from cad_sandbox.scenario import Latency, bundled_examples

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
    try:
        for _ in range(2400):  # until the remediation exists (or the run ended anyway)
            if box.world.remediations or first.poll() is not None:
                break
            time.sleep(0.05)
        assert box.world.remediations, first.stderr.read() if first.poll() is not None else ""
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert len(box.world.remediations) == 1  # leaked, as a killed run leaves it
    [entry] = (tmp_path / "state" / "remediations").glob("*/*.json")
    grant = json.loads(entry.read_text())
    entry.write_text(json.dumps({**grant, "expires": 0}))  # the run died long ago
    box.world.scenario = dataclasses.replace(box.world.scenario, latency_ms=Latency())

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 1), second.stderr
    assert "Traceback" not in second.stderr
    assert box.world.remediations == {}
    assert remediation_calls(box).count("POST") == 2
    assert remediation_calls(box).count("DELETE") == 2
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []
