"""Service logs, limited support reasons and cluster reports fit the sizes cad_ocm's
executors declare, with a count of what was left out; a re-run finds the shortened write
and does not send it again. Real engine, real HTTP, the sandbox's OCM and backplane."""

from __future__ import annotations

from typing import Any

import pytest
from cad_core.plan.actions import ClusterReport, LimitedSupport, ServiceLog
from cad_core.plan.engine import EngineSettings, Status, execute_plan
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.run.metrics import Dispatcher
from cad_core.testing import make_execution_context

from cad_ocm import executors

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
OBJECTS = 10_000
LINES = "".join(f"- security group rule sg-{n:05d} blocks port 443\n" for n in range(OBJECTS))
SETTINGS = EngineSettings(retry=RetryPolicy(base_delay=0.01))


@pytest.fixture
def box(sandbox: Any, sandbox_env: Any) -> Any:
    seed = {"id": CLUSTER, "name": "cluster-a", "state": "ready", "product": "rosa"}
    started = sandbox({"name": "ocm-caps", "ocm": {"clusters": [seed]}})
    sandbox_env(started)
    return started


def run(registry: Any, action: Any) -> Any:
    ctx = make_execution_context(registry, cluster_id=CLUSTER)
    try:
        [outcome] = execute_plan([action], ctx, registry, Dispatcher({}), SETTINGS)
    finally:
        ctx.resources.close()
    return outcome


def stored(box: Any, key: str) -> list[dict[str, Any]]:
    world = box.world.to_json()
    if key == "reports":
        return list(world["backplane"]["reports"])
    return list(world["ocm"]["clusters"][CLUSTER][key])


def assert_counted(text: str, limit: int) -> None:
    assert len(text) <= limit
    kept = text.splitlines()[:-1]
    assert kept == LINES.splitlines()[: len(kept)]  # whole lines, from the top
    assert f"{OBJECTS - len(kept)} more lines" in text.splitlines()[-1]


def test_a_long_service_log_is_shortened_kindly_and_sent_once(box, ocm_registry) -> None:
    action = ServiceLog(severity="Warning", summary="Blocked egress " * 40, description=LINES)
    assert run(ocm_registry, action).status == Status.SUCCEEDED
    [log] = stored(box, "service_logs")
    assert len(log["summary"]) <= executors.SERVICE_LOG_SUMMARY.chars
    assert log["summary"].endswith("…")
    assert_counted(log["description"], executors.SERVICE_LOG_DESCRIPTION.chars)
    assert "please open a support case" in log["description"]
    assert run(ocm_registry, action).status == Status.SKIPPED_DUPLICATE
    assert len(stored(box, "service_logs")) == 1


def test_a_long_limited_support_reason_is_shortened_and_sent_once(box, ocm_registry) -> None:
    action = LimitedSupport(summary="Egress blocked", details=LINES)
    assert run(ocm_registry, action).status == Status.SUCCEEDED
    [reason] = stored(box, "limited_support_reasons")
    assert_counted(reason["details"], executors.LIMITED_SUPPORT_DETAILS.chars)
    assert run(ocm_registry, action).status == Status.SKIPPED_DUPLICATE
    assert len(stored(box, "limited_support_reasons")) == 1


def test_a_long_cluster_report_is_shortened_and_saved_once(box, ocm_registry) -> None:
    action = ClusterReport(cluster_id=CLUSTER, summary="now : mhc", data=LINES)
    assert run(ocm_registry, action).status == Status.SUCCEEDED
    [report] = stored(box, "reports")
    assert_counted(report["data"], executors.REPORT_DATA.chars)
    assert run(ocm_registry, action).status == Status.SKIPPED_DUPLICATE
    assert len(stored(box, "reports")) == 1


def test_every_limit_names_where_its_number_comes_from() -> None:
    for limit in executors.LIMITS:
        assert limit.chars > 0 and limit.source
