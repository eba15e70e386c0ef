"""The decision rows for single machines and nodes, on their JSON (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cad_ocm.kube import KubeClient

from cad_machinehealthcheck import machines
from cad_machinehealthcheck.recommendations import Advice, Recommendations

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIMESTAMP = KubeClient.timestamp  # what the investigation passes: its kube's parser


def stamp(delta: timedelta) -> str:
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def machine(role: str | None = "worker", **status):
    labels = {} if role is None else {machines.ROLE_LABEL: role}
    return {"metadata": {"name": "m", "labels": labels}, "status": status}


def node(labels=("node-role.kubernetes.io/worker",), ready="True", taint_age=None):
    obj = {
        "metadata": {"name": "n", "labels": dict.fromkeys(labels, "")},
        "status": {"conditions": [{"type": "Ready", "status": ready}] if ready else []},
    }
    if taint_age is not None:
        taint = {"key": "x", "effect": "NoSchedule", "timeAdded": stamp(-taint_age)}
        obj["spec"] = {"taints": [taint]}
    return obj


def advice_of(fn, *args):
    found = Recommendations()
    fn(*args, found)
    [item] = found.items
    return item.advice, item.target, item.why


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("IPAddressInvalid", Advice.DELETE_MACHINE),
        ("CreateError", Advice.DELETE_MACHINE),
        ("InvalidConfiguration", Advice.INVESTIGATE_MACHINE),
        ("DeleteError", Advice.INVESTIGATE_MACHINE),
        ("InsufficientResources", Advice.QUOTA_SERVICE_LOG),
        ("", Advice.INVESTIGATE_MACHINE),
        ("SomethingNew", Advice.INVESTIGATE_MACHINE),
    ],
)
def test_failed_worker_machines_by_error_reason(reason, expected) -> None:
    failed = machine(phase="Failed", errorReason=reason, errorMessage="msg")
    assert advice_of(machines.judge_failed, failed)[0] is expected


def test_failed_machines_without_role_or_not_workers_need_a_human() -> None:
    no_role = machine(role=None, phase="Failed", errorReason="CreateError")
    assert "cannot tell its role" in advice_of(machines.judge_failed, no_role)[2]
    infra = machine(role="infra", phase="Failed", errorReason="CreateError", errorMessage="x")
    assert advice_of(machines.judge_failed, infra)[:2] == (Advice.INVESTIGATE_MACHINE, "m")


def test_deleting_machines() -> None:
    deleting = {**machine(), "metadata": {"name": "m", "deletionTimestamp": stamp(-timedelta(1))}}
    assert "has no node" in advice_of(machines.judge_deleting, deleting, {}, NOW, TIMESTAMP)[2]
    deleting["status"] = {"nodeRef": {"name": "n"}}
    assert (
        "could not be read" in advice_of(machines.judge_deleting, deleting, None, NOW, TIMESTAMP)[2]
    )
    stuck = {"n": node(taint_age=timedelta(minutes=11))}
    assert advice_of(machines.judge_deleting, deleting, stuck, NOW, TIMESTAMP)[:2] == (
        Advice.INVESTIGATE_NODE,
        "n",
    )
    fresh = {"n": node(taint_age=timedelta(minutes=9))}
    assert (
        "cannot tell why" in advice_of(machines.judge_deleting, deleting, fresh, NOW, TIMESTAMP)[2]
    )


@pytest.mark.parametrize(
    ("the_node", "why"),
    [
        (node(labels=()), "no node-role.kubernetes.io role label"),
        (node(labels=("node-role.kubernetes.io/infra",)), "not a worker"),
        (node(ready=None), "no Ready condition"),
        (node(ready="False"), "NotReady"),
        (node(ready="Unknown"), "Unknown state"),
    ],
)
def test_nodes_needing_a_human(the_node, why) -> None:
    assert why in advice_of(machines.judge_node, the_node, NOW, TIMESTAMP)[2]


def test_a_ready_worker_node_needs_nothing() -> None:
    found = Recommendations()
    machines.judge_node(node(), NOW, TIMESTAMP, found)
    assert not found


def test_remediation_allowed_only_when_the_condition_says_true() -> None:
    def check(*conditions):
        return {"status": {"conditions": list(conditions)}}

    assert machines.remediation_allowed(check({"type": "RemediationAllowed", "status": "True"}))
    assert not machines.remediation_allowed(
        check({"type": "RemediationAllowed", "status": "False"})
    )
    assert not machines.remediation_allowed(check())


def test_delete_advice_comes_with_one_command() -> None:
    found = Recommendations()
    found.add(Advice.DELETE_MACHINE, "a", "x")
    found.add(Advice.INVESTIGATE_NODE, "n", "y")
    found.add(Advice.DELETE_MACHINE, "b", "z")
    text = found.summary()
    assert "oc delete machine -n openshift-machine-api a b" in text
    assert text.index("Delete these machines") < text.index("Look into these nodes")
