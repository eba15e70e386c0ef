"""Issue 22.9 against the real process: a short PagerDuty outage while the alert is read
is ridden out on the alert read's own budget; a longer one ends the run with exit 75
(the pipeline runs it again), counted by the ``alert_read_failed`` metric event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

SCENARIO = "cmbb-uwm-configmap-invalid"
FAST = {
    "CAD_RETRY_BASE_DELAY": "0.02",
    "CAD_RETRY_MAX_DELAY": "0.1",
    "CAD_INVESTIGATION_RETRY_DELAY": "0.02",
    "LOG_LEVEL": "debug",
}


def _run(sandbox: Any, tmp_path: Path, failures: int, **env: str) -> tuple[int, Any, str, Any]:
    from cad_sandbox.commands import default_config
    from cad_sandbox.scenario import bundled_examples

    data = yaml.safe_load(bundled_examples()[SCENARIO].read_text())
    data["faults"] = [
        {"service": "pagerduty", "method": "GET", "path": "*/alerts", "status": 503},
    ]
    data["faults"][0]["times"] = failures
    box = sandbox(data)
    payload = tmp_path / "payload.json"
    payload.write_bytes(box.webhook_body())
    command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
    command += ["--payload-path", str(payload), "--config", default_config(), "-o", "json"]
    done = subprocess.run(
        command,
        env={**os.environ, **box.env(), **FAST, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, json.loads(done.stdout), done.stderr, box


def test_five_failed_alert_reads_are_ridden_out(sandbox: Any, tmp_path: Path) -> None:
    code, record, stderr, box = _run(sandbox, tmp_path, failures=5)
    assert code == 0, stderr[-3000:]
    assert record["outcome"] == "succeeded" and "retry_later" not in record
    alert_reads = [r for r in box.requests if r["path"].endswith("/alerts")]
    assert [r["status"] for r in alert_reads][:6] == [503] * 5 + [200]


@pytest.mark.parametrize("attempts", ["3"])
def test_an_outage_longer_than_the_budget_exits_75_and_is_counted(
    sandbox: Any, tmp_path: Path, attempts: str
) -> None:
    code, record, stderr, box = _run(
        sandbox, tmp_path, failures=50, CAD_ALERT_READ_ATTEMPTS=attempts
    )
    assert code == 75, stderr[-3000:]
    assert record["retry_later"] is True and record["outcome"] == "failed"
    assert "pipeline runs it again" in record["errors"][0]
    assert "metric alert_read_failed retry=true" in stderr
    assert "Traceback" not in stderr
    writes = [r for r in box.requests if r["method"] != "GET" and r["service"] != "sso"]
    assert writes == []  # nothing was written: running it again is safe
    assert sum(r["path"].endswith("/alerts") for r in box.requests) == int(attempts)
