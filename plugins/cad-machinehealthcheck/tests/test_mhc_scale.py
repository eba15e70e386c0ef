"""A cluster of 1,000 and of 10,000 machines behind a short-circuited health check: each
kind is listed once (paged), whatever the number of machines, and every write the real
`cad` run makes fits the size its API takes, with a count of what was left out."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from cad_ocm import executors as ocm
from cad_pagerduty import executors as pagerduty
from cad_sandbox.commands import run_scenario

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INCIDENT = "Q1MHCSCALE"
NAMESPACE = "openshift-machine-api"
ROLE = {"machine.openshift.io/cluster-api-machine-role": "worker"}
PAGE = 500  # CAD_KUBE_PAGE_SIZE's default
SHOWN = 20  # names per kind of advice in the note


def failed_machine(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
        "namespace": NAMESPACE, "name": f"worker-failed-{number:05d}", "labels": ROLE,
        "status": {"phase": "Failed", "errorReason": "CreateError", "errorMessage": "quota"},
    }  # fmt: skip


def running_machine(number: int) -> dict[str, Any]:
    node = f"ip-10-0-{number // 250}-{number % 250}"
    return {
        "apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
        "namespace": NAMESPACE, "name": f"worker-running-{number:05d}", "labels": ROLE,
        "status": {"phase": "Running", "nodeRef": {"name": node}},
    }  # fmt: skip


def not_ready_node(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node", "name": f"ip-10-0-{number // 250}-{number % 250}",
        "labels": {"node-role.kubernetes.io/worker": ""},
        "status": {"conditions": [
            {"type": "Ready", "status": "False", "lastHeartbeatTime": "-2h"}
        ]},
    }  # fmt: skip


def world(machines: int) -> dict[str, Any]:
    check = {
        "apiVersion": "machine.openshift.io/v1beta1", "kind": "MachineHealthCheck",
        "namespace": NAMESPACE, "name": "srep-worker-healthcheck",
        "spec": {"selector": {"matchLabels": ROLE}, "maxUnhealthy": "2"},
        "status": {"conditions": [{"type": "RemediationAllowed", "status": "False"}]},
    }  # fmt: skip
    half = machines // 2
    objects = [check]
    objects += [failed_machine(n) for n in range(half)]
    objects += [running_machine(n) for n in range(half)]
    objects += [not_ready_node(n) for n in range(half)]
    return {
        "name": "big-mhc",
        "pagerduty": {
            "incident": {"id": INCIDENT, "title": "MachineHealthCheckUnterminatedShortCircuitSRE",
                         "service": {"id": "PSVC001", "summary": "prod"}},
            "alerts": [{"details": {"cluster_id": CLUSTER}}],
        },
        "ocm": {"clusters": [{"id": CLUSTER, "name": "cluster-a"}]},
        "kube": {"objects": objects},
    }  # fmt: skip


def run(tmp_path: Any, machines: int) -> Any:
    scenario = tmp_path / "big-mhc.yaml"
    scenario.write_text(json.dumps(world(machines)))  # JSON is YAML, and much faster to write
    result = run_scenario(str(scenario))
    assert result.exit_code == 0
    return result


def assert_one_listing_per_kind(result: Any, machines: int) -> None:
    kube = [r for r in result.requests if r["service"] == "kube"]
    assert all(r["method"] == "GET" for r in kube)
    pages: dict[str, int] = {}
    for request in kube:
        pages[request["path"]] = pages.get(request["path"], 0) + 1
    base = f"/apis/machine.openshift.io/v1beta1/namespaces/{NAMESPACE}"
    assert pages == {
        f"{base}/machinehealthchecks": 1,
        f"{base}/machines": math.ceil(machines / PAGE),
        "/api/v1/nodes": math.ceil(machines / 2 / PAGE),
    }
    # Each kind is one listing: only its first page comes without a continue token.
    firsts = [r for r in kube if "continue=" not in r.get("query", "")]
    assert len(firsts) == 3


def assert_every_write_fits(result: Any) -> list[str]:
    notes = list(result.world["pagerduty"]["incidents"][INCIDENT]["notes"])
    assert notes and all(len(note) <= pagerduty.NOTE_LIMIT.chars for note in notes)
    reports = result.world["backplane"]["reports"]
    assert reports
    for report in reports:
        assert len(report["summary"]) <= ocm.REPORT_SUMMARY.chars
        assert len(report["data"]) <= ocm.REPORT_DATA.chars
    cluster = result.world["ocm"]["clusters"][CLUSTER]
    for log in cluster.get("service_logs") or []:
        assert len(log["summary"]) <= ocm.SERVICE_LOG_SUMMARY.chars
        assert len(log["description"]) <= ocm.SERVICE_LOG_DESCRIPTION.chars
    for reason in cluster.get("limited_support_reasons") or []:
        assert len(reason["summary"]) <= ocm.LIMITED_SUPPORT_SUMMARY.chars
        assert len(reason["details"]) <= ocm.LIMITED_SUPPORT_DETAILS.chars
    return notes


def check(tmp_path: Any, machines: int) -> None:
    result = run(tmp_path, machines)
    assert_one_listing_per_kind(result, machines)
    note = assert_every_write_fits(result)[0]
    left = machines // 2 - SHOWN
    assert f"- … and {left} more machines with the same advice" in note
    assert f"- … and {left} more nodes with the same advice" in note
    shown = " ".join(f"worker-failed-{n:05d}" for n in range(SHOWN))
    assert f"oc delete machine -n {NAMESPACE} {shown}\n" in note


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_thousand_machines(tmp_path) -> None:
    check(tmp_path, 1_000)


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.campaign  # 10,000 machines and 5,000 nodes in one world
def test_ten_thousand_machines(tmp_path) -> None:
    check(tmp_path, 10_000)
