"""Faults, latency, the request log and the world JSON, across simulators."""

from __future__ import annotations

import os
import time

import pytest
import requests

from cad_sandbox.extensions import installed_simulators
from cad_sandbox.harness import Sandbox
from cad_sandbox.world import WorldPathError


def token() -> str:
    return requests.post(
        os.environ["CAD_OCM_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["CAD_OCM_CLIENT_ID"],
            "client_secret": os.environ["CAD_OCM_CLIENT_SECRET"],
        },
        timeout=5,
    ).json()["access_token"]


def get_cluster(cluster_id: str, timeout: float = 5) -> requests.Response:
    return requests.get(
        f"{os.environ['CAD_OCM_URL']}/api/clusters_mgmt/v1/clusters/{cluster_id}",
        headers={"Authorization": f"Bearer {token()}"},
        timeout=timeout,
    )


def without_times(entry: dict[str, object]) -> dict[str, object]:
    """A log entry without its start and end (test_sandbox_request_times checks those)."""
    return {key: value for key, value in entry.items() if key not in ("start_ms", "end_ms")}


def test_503_twice_then_ok_is_logged(running, scenario_data, ids) -> None:
    path = f"/api/clusters_mgmt/v1/clusters/{ids.cluster}"
    fault = {"service": "ocm", "method": "GET", "path": path, "status": 503, "times": 2}
    box = running(scenario_data(faults=[fault]))
    statuses = [get_cluster(ids.cluster).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    ocm_log = [without_times(r) for r in box.requests if r["service"] == "ocm"]
    assert ocm_log == [
        {"service": "ocm", "method": "GET", "path": path, "status": 503, "write": False},
        {"service": "ocm", "method": "GET", "path": path, "status": 503, "write": False},
        {"service": "ocm", "method": "GET", "path": path, "status": 200, "write": False},
    ]
    assert get_cluster(ids.cluster).json()["id"] == ids.cluster


def test_glob_fault_with_its_own_headers(running, scenario_data, ids) -> None:
    fault = {
        "service": "ocm",
        "path": "/api/clusters_mgmt/v1/clusters/*",
        "status": 429,
        "headers": {"Retry-After": 3},
    }
    running(scenario_data(faults=[fault]))
    reply = get_cluster(ids.cluster)
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "3"
    assert reply.json()["code"] == "CLUSTERS-MGMT-429"


def test_reset_closes_without_an_answer(running, scenario_data, ids) -> None:
    fault = {"service": "ocm", "path": f"/api/clusters_mgmt/v1/clusters/{ids.cluster}"}
    box = running(scenario_data(faults=[{**fault, "kind": "reset", "times": 1}]))
    with pytest.raises(requests.ConnectionError):
        get_cluster(ids.cluster)
    assert get_cluster(ids.cluster).status_code == 200
    assert [r["status"] for r in box.requests if r["service"] == "ocm"] == ["reset", 200]


def test_timeout_outlasts_the_client(running, scenario_data, ids) -> None:
    fault = {"service": "ocm", "path": f"/api/clusters_mgmt/v1/clusters/{ids.cluster}"}
    box = running(scenario_data(faults=[{**fault, "kind": "timeout"}]), timeout_sleep_s=5)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        get_cluster(ids.cluster, timeout=0.3)
    assert time.monotonic() - started < 4
    assert [r["status"] for r in box.requests if r["service"] == "ocm"] == ["timeout"]


def test_latency_delays_each_request_of_its_service(running, scenario_data, ids) -> None:
    running(scenario_data(latency_ms={"ocm": 150}))
    started = time.monotonic()
    get_cluster(ids.cluster)  # two requests: the SSO token (on OCM's host) and the cluster
    assert time.monotonic() - started >= 0.3


def test_world_json_has_the_design_shape(running, ids) -> None:
    box = running()
    world = box.world.to_json()
    # Routes simulators of installed plugins (consoleerrorbudgetburn's route53, ...) add sections.
    plugins = {s.name for s in installed_simulators() if s.hosts is None}
    assert set(world) - plugins == {"pagerduty", "ocm", "backplane"}
    assert set(world["pagerduty"]["incidents"][ids.incident]) == {
        "title",
        "status",
        "escalation_policy",
        "escalation_level",
        "notes",
    }
    cluster = world["ocm"]["clusters"][ids.cluster]
    assert set(cluster) == {"service_logs", "limited_support_reasons"}
    assert set(cluster["service_logs"][0]) == {
        "summary",
        "severity",
        "service_name",
        "description",
        "internal_only",
        "log_type",
    }
    assert world["backplane"] == {"reports": []}


def test_read_path_counts_lists_and_names_missing_segments(running, ids) -> None:
    box = running()
    base = f"ocm.clusters.{ids.cluster}"
    assert box.world.read_path(f"{base}.service_logs.length") == 3
    assert box.world.read_path(f"{base}.limited_support_reasons.length") == 0
    assert box.world.read_path(f"{base}.service_logs.0.summary") == "Cluster upgraded"
    with pytest.raises(WorldPathError, match="no 'nope'"):
        box.world.read_path("ocm.clusters.nope.service_logs.length")


def test_env_points_every_client_at_the_sandbox(running) -> None:
    box = running()
    settings = box.env()
    for name in ("CAD_PD_URL", "CAD_OCM_URL", "BACKPLANE_URL", "AWS_ENDPOINT_URL"):
        assert settings[name].startswith("https://127.0.0.1:")
    assert settings["SSL_CERT_FILE"] == settings["REQUESTS_CA_BUNDLE"] == settings["AWS_CA_BUNDLE"]
    assert settings["CAD_SILENT_POLICY"] == "PSILENT"
    assert "cad_sandbox.fake_verifier" in settings["CAD_NETWORK_VERIFIER"]


def test_stop_removes_temp_files_and_joins_threads(scenario_data) -> None:
    with Sandbox(scenario_data()) as box:
        ca_path = box.ca_path
        assert ca_path is not None and ca_path.exists()
    assert not ca_path.exists()
    with pytest.raises(RuntimeError, match="not running"):
        box.env()
