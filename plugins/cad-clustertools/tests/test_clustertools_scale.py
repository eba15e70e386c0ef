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
