"""Issue 22.7 against real processes: a Lease holder that stalls past its lease (SIGSTOP,
then SIGCONT) or whose clock runs behind must not write beside the run that took over.

Waits are on the world's request log, never on guessed durations."""

from __future__ import annotations

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
from cad_core.locks import LockUnavailable, lock_name
from cad_core.plugins import build_registry

SCENARIO = "chgm-customer-stopped-instances"  # its plan puts the cluster in limited support
DURATION = 3
ENV = {
    "CAD_LOCK_PROVIDER": "lease",
    "CAD_LEASE_DURATION_SECONDS": str(DURATION),
    "CAD_LOCK_WAIT_SECONDS": "60",
    "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "0",
    "CAD_INVESTIGATION_RETRY_DELAY": "0.05",
    "CAD_RETRY_BASE_DELAY": "0.05",
}


def _scenario() -> dict[str, Any]:
    from cad_sandbox.scenario import bundled_examples

    data: dict[str, Any] = yaml.safe_load(bundled_examples()[SCENARIO].read_text())
    return data


def _stop_when_it_reads_limited_support(box: Any, process: subprocess.Popen[str]) -> Any:
    """SIGSTOP ``process`` as its first read of the limited support reasons reaches the
    simulator, before the answer ("none yet") is sent: the worst moment, between the check
    and the write. Returns an Event set once it is stopped."""
    import threading

    stopped = threading.Event()
    take_fault = box.world.take_fault

    def hook(service: str, method: str, path: str) -> Any:
        if method == "GET" and path.endswith("/limited_support_reasons") and not stopped.is_set():
            process.send_signal(signal.SIGSTOP)
            stopped.set()
        return take_fault(service, method, path)

    box.world.take_fault = hook
    return stopped


def _cad_run(box: Any, tmp_path: Path, name: str) -> subprocess.Popen[str]:
    from cad_sandbox.commands import default_config

    payload = tmp_path / f"{name}.json"
    payload.write_bytes(box.webhook_body())
    command = [sys.executable, "-c", "from cad_core.cli import main; main()", "run"]
    command += ["--payload-path", str(payload), "--config", default_config(), "-o", "json"]
    env = {**os.environ, **box.env(), **ENV, "CAD_LOCK_DIR": str(tmp_path)}
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _leases_created(box: Any) -> int:
    return sum(
        1
        for r in box.world.requests()
        if r["method"] == "POST" and r["path"].endswith("/leases") and r["status"] == 201
    )


def _wait_for(condition: Any, process: subprocess.Popen[str], what: str) -> None:
    for _ in range(12000):  # bounded: 10 minutes at most, on a loaded machine
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before {what}: {process.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.005)
    pytest.fail(f"timed out waiting for {what}")


def test_a_holder_stalled_past_its_lease_does_not_write_after_it_wakes(
    sandbox: Any, tmp_path: Path
) -> None:
    box = sandbox(_scenario())
    first = _cad_run(box, tmp_path, "first")
    stopped = _stop_when_it_reads_limited_support(box, first)
    try:
        _wait_for(stopped.is_set, first, "the first run checked for limited support")
        assert _leases_created(box) == 2  # it holds both Leases (cluster, incident)
        second = _cad_run(box, tmp_path, "second")  # takes over once the Leases run out
        out, err = second.communicate(timeout=600)
        assert second.returncode == 0, err[-3000:]
    finally:
        first.send_signal(signal.SIGCONT)
    out_first, err_first = first.communicate(timeout=600)
    world = box.world.to_json()
    [cluster] = world["ocm"]["clusters"].values()
    assert len(cluster["limited_support_reasons"]) == 1, cluster["limited_support_reasons"]
    assert "Traceback" not in err_first
    assert first.returncode == 1, err_first[-3000:]  # its failure reaches a human
    record = json.loads(out_first)
    lost = [a for a in record["actions"] if "no longer holds" in (a.get("error") or "")]
    assert lost and {a["status"] for a in lost} == {"not_run"}, record["actions"]
    escalated = [a for a in record["actions"] if a["type"] == "escalate_incident"]
    assert escalated and escalated[-1]["status"] == "succeeded", record["actions"]


HOLDER_WITH_A_SLOW_CLOCK = """
import sys
from datetime import UTC, datetime, timedelta
import cad_lease.lease as lease
real = lease.micro_time
# This host's clock runs ten minutes behind the others: every renewTime it writes looks
# long expired to them.
lease.micro_time = lambda now=None: real((now or datetime.now(UTC)) - timedelta(minutes=10))
from cad_core.plugins import build_registry
provider = build_registry().unique('cad_lock_providers')['lease'].item
release = provider.acquire(sys.argv[1], 10)
print('held', flush=True)
sys.stdin.read()
"""


def test_a_live_holder_whose_clock_runs_behind_is_not_taken_over(
    sandbox: Any, sandbox_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox_env(sandbox({"name": "leases"}))
    monkeypatch.setenv("CAD_LEASE_DURATION_SECONDS", str(DURATION))
    key = "incident:Q1SKEW"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_WITH_A_SLOW_CLOCK, key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        provider = build_registry().unique("cad_lock_providers")["lease"].item
        # Its renewTime is ten minutes old by our clock, but it keeps renewing: we wait.
        with pytest.raises(LockUnavailable, match=lock_name(key)):
            provider.acquire(key, 2 * DURATION)
    finally:
        holder.kill()
        holder.wait()
