"""Every row of the three tools' decision tables against the sandbox world: the scenarios
in tests/scenarios (routed from incident titles by tests/routing.yaml), and manual runs
(`cad run -i describe-nodes -p ...`) through the core's real manual flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cad_core.run.app import RunRequest, execute
from cad_sandbox.commands import environment, run_scenario

HERE = Path(__file__).parent
ROUTING = str(HERE / "routing.yaml")
SCENARIOS = sorted(str(p) for p in (HERE / "scenarios").glob("*.yaml"))
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INCIDENT = "Q1CADTEST00001"


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: Path(p).stem)
def test_scenario_meets_its_expectations(path: str) -> None:
    assert run_scenario(path, config=ROUTING).check() == []


def world(name: str) -> dict[str, Any]:
    data = yaml.safe_load((HERE / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))
    data.pop("expect", None)
    return dict(data)


def manual(sandbox: Any, name: str, investigation: str, **params: str) -> tuple[Any, str]:
    """A manual run of ``investigation`` on the scenario's cluster; the report it saved."""
    box = sandbox(world(name))
    with environment(box.env()):
        record = execute(RunRequest(cluster_id=CLUSTER, investigation=investigation, params=params))
    reports = box.world.to_json()["backplane"]["reports"]
    return record, reports[-1]["data"] if reports else ""


@pytest.mark.usefixtures("fast_scenario_runs")
def test_every_node_is_described_with_its_pods(sandbox: Any) -> None:
    record, report = manual(sandbox, "describenodes-every-node", "describe-nodes")
    assert not record.failed
    assert "Described 4/4 nodes" in report
    assert "Name:               worker-0" in report and "Roles:              worker" in report
    assert "shop  web-1  250m  512Mi" in report
    assert "shop  web-2  14m  0Mi" in report  # millicores rounded, not cut short
    assert "cpu: 264m (8%)" in report  # of 3500m allocatable


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize(
    ("params", "described"),
    [
        ({"NODES": "worker-1, master-0,ghost"}, {"worker-1", "master-0"}),
        ({"SELECTOR": "node-role.kubernetes.io/infra"}, {"infra-0"}),
        ({"WORKER": "true", "INFRA": "true"}, {"worker-0", "worker-1", "infra-0"}),
        ({"MASTER": "true"}, {"master-0"}),
        ({"NODES": "worker-0", "MASTER": "true"}, {"worker-0"}),  # NODES wins, as upstream
    ],
)
def test_parameters_choose_the_nodes(
    sandbox: Any, params: dict[str, str], described: set[str]
) -> None:
    _, report = manual(sandbox, "describenodes-every-node", "describenodes", **params)
    names = {line.split()[-1] for line in report.splitlines() if line.startswith("Name:")}
    assert names == described
    if "ghost" in params.get("NODES", ""):
        assert "Node ghost was not found" in report


@pytest.mark.usefixtures("fast_scenario_runs")
def test_an_hcp_cluster_skips_master_nodes(sandbox: Any) -> None:
    _, report = manual(sandbox, "describenodes-hcp", "describenodes", MASTER="true")
    assert "MASTER skipped" in report and "No node matches the selection" in report


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_health_check_names_each_problem() -> None:
    result = run_scenario(
        str(HERE / "scenarios" / "healthcheck-unhealthy-cluster.yaml"), config=ROUTING
    )
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    for expected in (
        "1 degraded - ingress (DeploymentDegraded)",
        "readyz=error",
        "kube-apiserver-master-0 (ContainersNotReady)",
        "1 degraded - worker (NodeDegraded",
        "csr-8xk2p (requester: system:node:worker-1",
        "1 not ready - worker-1",
        "shop/cart-1: container main: CrashLoopBackOff",
        "shop/cart (minAvailable=100%)",
        "shop/Pod/cart-1: BackOff (x42)",
    ):
        assert expected in note


@pytest.mark.usefixtures("fast_scenario_runs")
def test_mustgather_writes_the_hcp_command_for_the_hosted_cluster() -> None:
    result = run_scenario(str(HERE / "scenarios" / "mustgather-hcp-commands.yaml"), config=ROUTING)
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert (
        "--image=registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8 /usr/bin/gather "
        f"hosted-cluster-namespace=ocm-production-{CLUSTER}-cluster-a "
        "hosted-cluster-name=cluster-a"
    ) in note
    assert "No must-gather is running" in note
    writes = [r for r in result.requests if r["write"] and "kube" in r["service"]]
    assert writes == []  # the tools only read clusters


@pytest.mark.usefixtures("fast_scenario_runs")
def test_end_of_life_comes_from_the_upgrade_graph() -> None:
    result = run_scenario(str(HERE / "scenarios" / "healthcheck-end-of-life.yaml"), config=ROUTING)
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert "more than 2 minor versions behind the newest in its channel (stable-4.16)" in note
    asked = [r["query"] for r in result.requests if r["service"] == "upgrade_graph"]
    assert asked == [f"channel=stable-4.{minor}" for minor in (14, 15, 16, 17)]  # 4.17: none
    healthy = run_scenario(
        str(HERE / "scenarios" / "healthcheck-healthy-cluster.yaml"), config=ROUTING
    )
    assert "EOL" not in healthy.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
