"""A cluster of 10,000 objects: ReplicaSet reads grow with the namespaces involved, not
with the ReplicaSets, and the note stays readable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cad_sandbox.commands import run_scenario

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
STUCK = "ip-10-0-1-1"
NAMESPACES = ("shop", "billing")
REPLICA_SETS = 1_000  # per namespace
PODS = 4_000  # per namespace, four per ReplicaSet


def pod(namespace: str, number: int) -> dict[str, Any]:
    owner = {"kind": "ReplicaSet", "name": f"web-{number % REPLICA_SETS}"}
    return {
        "apiVersion": "v1", "kind": "Pod", "namespace": namespace, "name": f"web-{number:05d}",
        "labels": {"app": "web"}, "spec": {"nodeName": STUCK},
        "metadata": {"ownerReferences": [owner]},
    }  # fmt: skip


def replica_set(namespace: str, number: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "namespace": namespace,
        "name": f"web-{number}",
        "metadata": {"ownerReferences": [{"kind": "Deployment", "name": f"web-{number % 7}"}]},
    }  # fmt: skip


def budget(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "namespace": namespace,
        "name": "web", "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": PODS},
        "status": {"disruptionsAllowed": 0, "currentHealthy": PODS, "expectedPods": PODS},
    }  # fmt: skip


def world() -> dict[str, Any]:
    stuck = {"apiVersion": "v1", "kind": "Node", "name": STUCK, "spec": {"taints": [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": "-2h"}
    ]}}  # fmt: skip
    objects: list[dict[str, Any]] = [stuck]
    for namespace in NAMESPACES:
        objects += [pod(namespace, n) for n in range(PODS)]
        objects += [replica_set(namespace, n) for n in range(REPLICA_SETS)]
        objects.append(budget(namespace))
    assert len(objects) > 10_000
    return {
        "name": "big-pdb",
        "pagerduty": {
            "incident": {"id": "Q1PDB", "title": "HCPNodepoolUpgradeDelay cluster-a",
                         "service": {"id": "PSVC001", "summary": "prod"}},
            "alerts": [{"details": {"cluster_id": CLUSTER}}],
        },
        "ocm": {"clusters": [{"id": CLUSTER, "name": "cluster-a"}]},
        "kube": {"objects": objects},
    }  # fmt: skip


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.campaign  # 10,000 objects in one world
def test_replica_sets_are_listed_per_namespace_and_the_note_is_bounded(tmp_path) -> None:
    scenario = tmp_path / "big.yaml"
    scenario.write_text(json.dumps(world()))  # JSON is YAML, and much faster to write
    result = run_scenario(str(scenario))
    assert result.exit_code == 0
    kube = [r for r in result.requests if r["service"] == "kube"]
    replica_set_reads = [r for r in kube if "replicasets" in r["path"]]
    # Two pages of 500 per namespace, whatever the number of ReplicaSets behind the pods.
    assert len(replica_set_reads) == 2 * len(NAMESPACES)
    assert {r["path"] for r in replica_set_reads} == {
        f"/apis/apps/v1/namespaces/{namespace}/replicasets" for namespace in NAMESPACES
    }
    note = result.world["pagerduty"]["incidents"]["Q1PDB"]["notes"][0]
    assert "owned by: Deployment/web-0, Deployment/web-1" in note
    assert "and 3980 more" in note  # 4,000 pods per budget: 20 named, the rest counted
    assert len(note) < 10_000
