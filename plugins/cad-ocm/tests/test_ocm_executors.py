"""Executors through the real engine against the sandbox's OCM and backplane simulators."""

from __future__ import annotations

from typing import Any

import pytest
from cad_core.plan.actions import ClusterReport, LimitedSupport, ServiceLog
from cad_core.plan.engine import EngineSettings, Status, execute_plan
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.run.metrics import Dispatcher
from cad_core.testing import make_execution_context

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
EXTERNAL = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b"
ROSA_DOC = "https://docs.openshift.com/rosa/rosa_architecture/rosa-understanding.html"
OSD_DOC = "https://docs.openshift.com/dedicated/osd_architecture/osd-understanding.html"
SETTINGS = EngineSettings(retry=RetryPolicy(base_delay=0.01))


def scenario(state: str = "ready", faults: tuple[dict, ...] = (), **cluster: Any) -> dict:
    seed = {
        "id": CLUSTER,
        "external_id": EXTERNAL,
        "name": "cluster-a",
        "state": state,
        "product": "rosa",
        "infra_id": "cluster-a-x7k2p",
        **cluster,
    }
    return {"name": "cad-ocm-executors", "ocm": {"clusters": [seed]}, "faults": list(faults)}


@pytest.fixture
def start(sandbox, sandbox_env):
    def begin(world: dict) -> Any:
        box = sandbox(world)
        sandbox_env(box)
        return box

    return begin


def run(registry, actions, cluster_id: str = CLUSTER, dry_run: bool = False):
    ctx = make_execution_context(registry, cluster_id=cluster_id, dry_run=dry_run)
    try:
        outcomes = execute_plan(actions, ctx, registry, Dispatcher({}), SETTINGS)
    finally:
        ctx.resources.close()
    return outcomes, ctx.notes


def writes(box) -> list[dict]:
    """Requests that change something (the SSO token request is not one)."""
    return [r for r in box.requests if r["method"] != "GET" and r["service"] != "sso"]


def cluster_world(box) -> dict:
    return box.world.to_json()["ocm"]["clusters"][CLUSTER]


SERVICE_LOG = ServiceLog(
    severity="Major",
    summary="Action required: restart stopped nodes",
    description=f"Please start the stopped instances. See {ROSA_DOC}",
)
LIMITED = LimitedSupport(
    summary="Cluster stopped by the customer",
    details=f"Please start the control plane again. See {ROSA_DOC}",
    context="CHGM",
)


def test_service_log_is_posted_once_and_skipped_on_rerun(start, ocm_registry) -> None:
    box = start(scenario())
    [outcome], notes = run(ocm_registry, [SERVICE_LOG], cluster_id="cluster-a")
    assert (outcome.status, outcome.executor) == (Status.SUCCEEDED, "ocm-service-log")
    assert notes.lines == [f"🤖 Sent a service log to the customer: '{SERVICE_LOG.summary}'"]
    [posted] = writes(box)
    assert posted["path"] == "/api/service_logs/v1/cluster_logs"
    [log] = cluster_world(box)["service_logs"]
    assert log == {
        "summary": SERVICE_LOG.summary,
        "description": SERVICE_LOG.description,
        "severity": "Major",
        "service_name": "SREManualAction",
        "internal_only": False,
        "log_type": None,
    }

    [again], notes = run(ocm_registry, [SERVICE_LOG])
    assert again.status == Status.SKIPPED_DUPLICATE
    assert "already has the service log" in again.reason
    # The responder still learns that the customer was told, by an earlier run.
    assert notes.lines == [
        f"🤖 {again.reason[0].upper()}{again.reason[1:]}; CAD did not apply it again."
    ]
    assert len(cluster_world(box)["service_logs"]) == 1
    searched = [
        r
        for r in box.requests
        if r["path"] == f"/api/service_logs/v1/clusters/{EXTERNAL}/cluster_logs"
    ]
    assert searched  # looked up by EXTERNAL id


def test_same_summary_with_another_description_is_still_sent(start, ocm_registry) -> None:
    box = start(scenario())
    run(ocm_registry, [SERVICE_LOG])
    changed = ServiceLog(
        severity="Major",
        summary=SERVICE_LOG.summary,
        description="A different explanation.",
        internal_only=True,
    )
    [outcome], notes = run(ocm_registry, [changed])
    assert outcome.status == Status.SUCCEEDED
    assert notes.lines == [f"🤖 Added an internal service log: '{SERVICE_LOG.summary}'"]
    assert len(cluster_world(box)["service_logs"]) == 2


def test_limited_support_is_posted_once(start, ocm_registry) -> None:
    box = start(scenario())
    [outcome], notes = run(ocm_registry, [LIMITED])
    assert (outcome.status, outcome.executor) == (Status.SUCCEEDED, "ocm-limited-support")
    assert notes.lines == [f"🤖 Put the cluster in limited support: '{LIMITED.summary}'"]
    assert cluster_world(box)["limited_support_reasons"] == [
        {"summary": LIMITED.summary, "details": LIMITED.details}
    ]
    [again], _ = run(ocm_registry, [LIMITED])
    assert again.status == Status.SKIPPED_DUPLICATE
    assert len(cluster_world(box)["limited_support_reasons"]) == 1


def test_ocm_503_twice_is_retried_by_the_engine(start, ocm_registry) -> None:
    path = f"/api/clusters_mgmt/v1/clusters/{CLUSTER}/limited_support_reasons"
    box = start(
        scenario(
            faults=({"service": "ocm", "method": "POST", "path": path, "status": 503, "times": 2},)
        )
    )
    [outcome], _ = run(ocm_registry, [LIMITED])
    assert (outcome.status, outcome.attempts) == (Status.SUCCEEDED, 3)
    posts = [r["status"] for r in writes(box) if r["path"] == path]
    assert posts == [503, 503, 201]
    assert len(cluster_world(box)["limited_support_reasons"]) == 1


def test_uninstalling_refusal_is_reported_as_skipped(start, ocm_registry) -> None:
    box = start(scenario(state="uninstalling"))
    [outcome], notes = run(ocm_registry, [LIMITED])
    assert outcome.status == Status.SKIPPED_DUPLICATE
    assert "uninstalling" in outcome.reason and outcome.attempts == 1
    assert not notes and cluster_world(box)["limited_support_reasons"] == []


@pytest.mark.parametrize(
    "action",
    [
        ServiceLog(severity="Warning", summary="Check your network", description=f"See {OSD_DOC}"),
        LimitedSupport(summary="Unsupported network", details=f"Read {OSD_DOC} and fix it."),
    ],
)
def test_wrong_product_documentation_is_never_sent(start, ocm_registry, action) -> None:
    box = start(scenario())
    [outcome], notes = run(ocm_registry, [action])
    assert (outcome.status, outcome.attempts) == (Status.FAILED, 1)
    assert OSD_DOC in outcome.error and "OpenShift Dedicated (OSD) documentation" in outcome.error
    assert "Red Hat OpenShift Service on AWS (ROSA)" in outcome.error
    assert not writes(box)
    assert not notes


def test_dry_run_describes_and_warns_without_writing(start, ocm_registry) -> None:
    box = start(scenario())
    wrong = ServiceLog(severity="Info", summary="Heads up", description=f"See {OSD_DOC}")
    outcomes, _ = run(ocm_registry, [wrong, LIMITED], dry_run=True)
    assert [o.status for o in outcomes] == [Status.DRY_RUN, Status.DRY_RUN]
    assert "service log 'Heads up' to cluster" in outcomes[0].reason
    assert "WARNING: would be refused" in outcomes[0].reason  # the cluster was already read
    assert "limited support: 'Cluster stopped by the customer'" in outcomes[1].reason
    assert not writes(box)


def test_cluster_report_is_created_once_with_the_view_command(start, ocm_registry) -> None:
    box = start(scenario())
    report = ClusterReport(
        cluster_id="cluster-a",
        summary="2030-01-01T00:00:00Z : chgm",
        data="🤖 findings\n✅ all good\n",
    )
    [outcome], notes = run(ocm_registry, [report], cluster_id="cluster-a")
    assert (outcome.status, outcome.executor) == (Status.SUCCEEDED, "backplane-report")
    assert box.world.to_json()["backplane"]["reports"] == [
        {"cluster_id": CLUSTER, "summary": report.summary, "data": report.data}
    ]
    [line] = notes.lines
    assert line.startswith("🤖 Saved these findings as a cluster report.")
    assert line.endswith(
        f"osdctl cluster reports get --cluster-id {CLUSTER} --report-id report-000001"
    )
    [again], notes = run(ocm_registry, [report], cluster_id="cluster-a")
    assert again.status == Status.SKIPPED_DUPLICATE and "report-000001" in again.reason
    assert len(box.world.to_json()["backplane"]["reports"]) == 1


def test_all_three_in_one_plan(start, ocm_registry) -> None:
    box = start(scenario())
    report = ClusterReport(cluster_id=CLUSTER, summary="now : chgm", data="findings")
    outcomes, notes = run(ocm_registry, [report, LIMITED, SERVICE_LOG])
    assert [o.status for o in outcomes] == [Status.SUCCEEDED] * 3
    assert len(notes.lines) == 3
    world = cluster_world(box)
    assert len(world["service_logs"]) == len(world["limited_support_reasons"]) == 1
    token_requests = [r for r in box.requests if r["service"] == "sso"]
    assert len(token_requests) == 1
