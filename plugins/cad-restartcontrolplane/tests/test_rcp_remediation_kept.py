"""Issue 26: an executor that declares a resource keeps it for its plan.

restartcontrolplane's executor updates the HostedCluster through the management cluster
(``ActionExecutor(resources=("management_cluster",))``), so its investigation's
remediation is not closed beside the plan (cad_core/run/closing.py) and opened again.
Observed in the sandbox's request log."""

from __future__ import annotations

from pathlib import Path

import pytest
from cad_sandbox.commands import run_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
REMEDIATION = f"/backplane/remediation/{CLUSTER}"


@pytest.mark.usefixtures("fast_scenario_runs")
def test_an_executor_that_declares_the_resource_keeps_the_remediation_for_the_plan() -> None:
    # restartcontrolplane's executor updates the HostedCluster through the management
    # cluster (ActionExecutor(resources=("management_cluster",))): its investigation's
    # remediation stays for the plan, instead of closing beside it and opening again.
    # (An executor that asks without declaring gets a fresh one: tests/test_core_closing.py.)
    result = run_scenario(str(SCENARIOS / "rcp-hcp-restart-requested.yaml"), latency_ms=20)
    assert result.check() == []
    log = result.requests
    calls = [e["method"] for e in log if e["path"] == REMEDIATION]
    assert sorted(calls) == ["DELETE", "POST"], calls
    management = [e for e in log if e["service"] in ("kube", "management_kube")]
    assert management and all(e["status"] in (200, 201) for e in management), management
    assert ("management_kube", "PUT") in [(e["service"], e["method"]) for e in management]
    assert log[-1]["path"] == REMEDIATION  # kept for the plan: closed as the run ends
