"""The cluster health check on 1,000 unhealthy nodes: its findings name 50 nodes each and
count the rest, and the note and report the real run writes fit their sizes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cad_sandbox.commands import run_scenario

HERE = Path(__file__).parent
ROUTING = str(HERE / "routing.yaml")
INCIDENT = "Q1CADTEST00001"
NODES = 1_000
SHOWN = 50  # cad_clustertools.kubeview.SHOWN
NOTE_LIMIT = 10_000  # cad_pagerduty.executors.NOTE_LIMIT
REPORT_LIMIT = 50_000  # cad_ocm.executors.REPORT_DATA


def sick_node(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node", "name": f"worker-{number:04d}",
        "labels": {"node-role.kubernetes.io/worker": ""},
        "spec": {"unschedulable": True, "taints": [
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}
        ]},
        "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Unknown"}]},
    }  # fmt: skip


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_thousand_sick_nodes_are_named_fifty_at_a_time(tmp_path: Path) -> None:
    text = (HERE / "scenarios" / "healthcheck-healthy-cluster.yaml").read_text(encoding="utf-8")
    world = yaml.safe_load(text)
    world.pop("expect", None)
    world["kube"]["objects"] += [sick_node(n) for n in range(NODES)]
    scenario = tmp_path / "sick-nodes.yaml"
    scenario.write_text(json.dumps(world))
    result = run_scenario(str(scenario), config=ROUTING)
    assert result.exit_code == 0
    [report] = result.world["backplane"]["reports"]
    assert len(report["data"]) <= REPORT_LIMIT
    left = NODES - SHOWN
    assert f"Nodes: {NODES} not ready - " in report["data"]
    assert (
        f"worker-{SHOWN - 1:04d} (status: False, reason: Unknown); … and {left} more"
        in (report["data"])
    )
    assert f"Node Taints: {NODES}:" in report["data"]
    notes = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert notes and all(len(note) <= NOTE_LIMIT for note in notes)


def plain_node(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node", "name": f"worker-{number:05d}",
        "labels": {"node-role.kubernetes.io/worker": ""},
        "status": {
            "capacity": {"cpu": "4", "memory": "16Gi"},
            "allocatable": {"cpu": "3500m", "memory": "15Gi"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }  # fmt: skip


def described(tmp_path: Path, nodes: int) -> None:
    """Every node described: far more than a note or report takes, so both are cut by
    their executors, keep whole lines from the top and count the rest."""
    text = (HERE / "scenarios" / "describenodes-every-node.yaml").read_text(encoding="utf-8")
    world = yaml.safe_load(text)
    world.pop("expect", None)
    world["kube"]["objects"] = [plain_node(n) for n in range(nodes)]
    scenario = tmp_path / "many-nodes.yaml"
    scenario.write_text(json.dumps(world))
    result = run_scenario(str(scenario), config=ROUTING)
    assert result.exit_code == 0
    [report] = result.world["backplane"]["reports"]
    assert len(report["data"]) <= REPORT_LIMIT
    assert "Name:               worker-00000" in report["data"]
    assert report["data"].splitlines()[-1].startswith("… and ")
    assert "not saved, to keep this report under 50000 characters" in report["data"]
    [note] = result.world["pagerduty"]["incidents"][INCIDENT]["notes"]
    assert len(note) <= NOTE_LIMIT
    assert "not shown, to keep this note under 10000 characters" in note
    assert "Saved these findings as a cluster report" in note  # the end is kept


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_thousand_node_descriptions_are_cut_to_fit(tmp_path: Path) -> None:
    described(tmp_path, 1_000)


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.campaign  # 10,000 nodes in one world
def test_ten_thousand_node_descriptions_are_cut_to_fit(tmp_path: Path) -> None:
    described(tmp_path, 10_000)
