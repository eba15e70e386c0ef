"""Start and end of every logged request, and `cad sandbox run --critical-path`.

The only time bounds asserted are the ones the server itself enforces (it sleeps the
configured latency before answering), never how fast anything ran.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
import requests

from cad_sandbox.commands import run_scenario
from cad_sandbox.critical_path import waited_for

STOPPED = "chgm-customer-stopped-instances"
ROUNDING_MS = 0.01  # times are logged to the microsecond


def get_cluster(
    ocm_session: Callable[[], requests.Session], cluster_id: str, timeout: float = 5
) -> requests.Response:
    # A new session is a token request first, then the cluster: two requests in a row.
    return ocm_session().get(
        f"{os.environ['CAD_OCM_URL']}/api/clusters_mgmt/v1/clusters/{cluster_id}",
        timeout=timeout,
    )


def assert_well_formed(log: list[dict[str, object]]) -> None:
    for entry in log:
        assert isinstance(entry["start_ms"], float) and isinstance(entry["end_ms"], float)
        assert 0 <= entry["start_ms"] <= entry["end_ms"], entry
    ends = [entry["end_ms"] for entry in log]
    assert ends == sorted(ends)  # the log is in the order requests ended


def test_one_client_s_requests_each_wait_for_the_one_before(running, ids, ocm_session) -> None:
    box = running()
    for _ in range(3):
        get_cluster(ocm_session, ids.cluster)  # a token, then the cluster: six requests in a row
    log = box.requests
    assert len(log) == 6
    assert_well_formed(log)
    assert all(waited_for(later, earlier) for earlier, later in itertools.pairwise(log))


def test_faults_are_timed_too(running, scenario_data, ids, ocm_session) -> None:
    path = f"/api/clusters_mgmt/v1/clusters/{ids.cluster}"
    faults = [
        {"service": "ocm", "path": path, "status": 503, "times": 1},
        {"service": "ocm", "path": path, "kind": "reset", "times": 1},
        {"service": "ocm", "path": path, "kind": "timeout", "times": 1},
    ]
    box = running(scenario_data(faults=faults), timeout_sleep_s=5)
    assert get_cluster(ocm_session, ids.cluster).status_code == 503
    with pytest.raises(requests.ConnectionError):
        get_cluster(ocm_session, ids.cluster)
    with pytest.raises(requests.Timeout):
        get_cluster(ocm_session, ids.cluster, timeout=0.3)
    ocm = [r for r in box.requests if r["service"] == "ocm"]
    assert [r["status"] for r in ocm] == [503, "reset", "timeout"]
    assert_well_formed(box.requests)


def test_latency_is_inside_each_request(running, scenario_data, ids, ocm_session) -> None:
    box = running(scenario_data(latency_ms={"ocm": 60}))
    get_cluster(ocm_session, ids.cluster)
    [sso, ocm] = box.requests  # SSO rides on OCM's host, so it has OCM's latency
    for entry in (sso, ocm):
        assert entry["end_ms"] - entry["start_ms"] >= 60 - ROUNDING_MS


def test_one_latency_for_every_service_including_those_without_a_key() -> None:
    result = run_scenario(STOPPED, latency_ms=30)
    services = {r["service"] for r in result.requests}
    assert {"sso", "pagerduty", "ocm", "backplane", "aws"} <= services
    assert all(r["end_ms"] - r["start_ms"] >= 30 - ROUNDING_MS for r in result.requests)
    assert result.check() == []


def cad(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_critical_path_in_json_output() -> None:
    result = cad("sandbox", "run", STOPPED, "--critical-path", "--output", "json")
    assert result.returncode == 0, result.stderr
    sandbox = json.loads(result.stdout)["sandbox"]
    path, log = sandbox["critical_path"], sandbox["requests"]
    assert 1 <= path["round_trips"] == len(path["steps"]) <= len(log)
    keys = ("service", "method", "path", "status", "start_ms", "end_ms")
    logged = [{key: entry[key] for key in keys} for entry in log]
    assert all(step in logged for step in path["steps"])
    assert all(waited_for(b, a) for a, b in itertools.pairwise(path["steps"]))


def test_critical_path_in_text_output() -> None:
    result = cad("sandbox", "run", STOPPED, "--critical-path")
    assert result.returncode == 0, result.stderr
    assert (
        "critical path: " in result.stdout and " round trip(s) one after another" in result.stdout
    )
    assert "pagerduty  GET    /incidents/" in result.stdout
    assert "critical path" not in cad("sandbox", "run", STOPPED).stdout
