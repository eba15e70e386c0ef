"""The decision rows on plain JSON: drains, blocking budgets, owners, scaling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cad_ocm.kube import KubeClient

from cad_pdbblockingnodedrain import budgets, nodes
from cad_pdbblockingnodedrain.budgets import Blocking, scaling_verdict

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def stamp(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(taint=None, created=None, conditions=()):
    obj = {"metadata": {"name": "n"}, "status": {"conditions": list(conditions)}}
    if created:
        obj["metadata"]["creationTimestamp"] = created
    if taint is not None:
        obj["spec"] = {"taints": [taint]}
    return obj


UNSCHEDULABLE = {"key": nodes.UNSCHEDULABLE, "effect": "NoSchedule"}


def drain(the_node):
    """The drain as the investigation judges it: at NOW, with its kube's time parser."""
    return nodes.draining(the_node, NOW, KubeClient.timestamp)


def test_drains_start_at_the_taint_else_at_the_node_creation() -> None:
    assert drain(node()) is None
    assert drain(node({"key": "other", "effect": "NoSchedule"})) is None
    timed = drain(node({**UNSCHEDULABLE, "timeAdded": stamp(timedelta(minutes=10))}))
    assert timed is not None and timed.stalled and timed.describe() == "n: draining for 10 min"
    recent = drain(node({**UNSCHEDULABLE, "timeAdded": stamp(timedelta(minutes=9))}))
    assert recent is not None and not recent.stalled
    old = drain(node(UNSCHEDULABLE, created=stamp(timedelta(days=2))))
    assert old is not None and old.for_ == timedelta(days=2)
    unknown = drain(node(UNSCHEDULABLE))
    assert unknown is not None and unknown.for_ == timedelta(0)


def test_health_problems() -> None:
    assert nodes.health_problems(node(conditions=[{"type": "Ready", "status": "True"}])) == []
    sick = node(
        conditions=[
            {"type": "Ready", "status": "Unknown"},
            {"type": "DiskPressure", "status": "True"},
            {"type": "PIDPressure", "status": "False"},
        ]
    )
    assert nodes.health_problems(sick) == ["NotReady", "DiskPressure"]


def pod(namespace, name, labels):
    return {"metadata": {"namespace": namespace, "name": name, "labels": labels}}


def pdb(namespace, selector, allowed=0, **spec):
    return {
        "metadata": {"namespace": namespace, "name": f"{namespace}-pdb"},
        "spec": {"selector": selector, **spec},
        "status": {"disruptionsAllowed": allowed, "currentHealthy": 2, "expectedPods": 2},
    }


def test_only_budgets_allowing_nothing_with_pods_on_stuck_nodes_block() -> None:
    pods = [pod("a", "a-1", {"app": "x"}), pod("b", "b-1", {"app": "y"})]
    candidates = [
        pdb("a", {"matchLabels": {"app": "x"}}, minAvailable=2),
        pdb("a", {"matchLabels": {"app": "x"}}, allowed=1),  # allows a disruption
        pdb("b", {"matchLabels": {"app": "z"}}),  # selects no pod there
        pdb("b", None),  # policy/v1: no selector selects nothing
        pdb("c", {}),  # no pod of namespace c is on a stuck node
    ]
    matches = KubeClient.selector_matches  # what the kube resource's client offers
    [found] = budgets.blocking_budgets(candidates, pods, lambda p: "Deployment/x", matches)
    assert (found.namespace, found.pods, found.owners) == ("a", ("a-1",), ("Deployment/x",))
    assert found.constraint == "minAvailable 2" and not found.platform


@pytest.mark.parametrize(
    ("namespace", "platform"),
    [("openshift", True), ("openshift-ingress", True), ("kube-system", True), ("shop", False)],
)
def test_platform_namespaces(namespace, platform) -> None:
    assert budgets.is_platform_namespace(namespace) is platform


def blocking(**fields):
    base = dict(
        namespace="a",
        name="p",
        min_available="",
        max_unavailable="",
        current_healthy=2,
        expected_pods=2,
        pods=("a-1",),
        owners=("Deployment/x",),
    )
    return Blocking(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "helps", "why"),
    [
        ({"max_unavailable": "0"}, False, "forbids every disruption"),
        ({"max_unavailable": "0%"}, False, "forbids every disruption"),
        ({"max_unavailable": "1", "current_healthy": 1}, False, "1 pod(s) are unhealthy"),
        ({"min_available": "100%"}, False, "needs every pod healthy"),
        ({"min_available": "2"}, True, "one more replica"),
        ({"min_available": "2", "current_healthy": 1}, True, "1 of 2 pod(s) are unhealthy"),
        ({"min_available": "1", "owners": ("DaemonSet/d",)}, False, "cannot be scaled"),
        ({"min_available": "1", "owners": ("no owner",)}, False, "cannot be scaled"),
    ],
)
def test_scaling_verdicts(fields, helps, why) -> None:
    verdict, text = scaling_verdict(blocking(**fields))
    assert verdict is helps and why in text
