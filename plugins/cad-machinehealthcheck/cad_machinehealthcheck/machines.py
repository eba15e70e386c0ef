"""Reading MachineHealthChecks, machines and nodes: pure functions over their JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from cad_machinehealthcheck.recommendations import Advice, Recommendations

Obj = Mapping[str, Any]
ROLE_LABEL = "machine.openshift.io/cluster-api-machine-role"
NODE_ROLE_PREFIX = "node-role.kubernetes.io"
DRAIN_STUCK_AFTER = timedelta(minutes=10)
# kube.timestamp: a kube time (RFC 3339) as an aware datetime, None when unreadable
Timestamp = Callable[[Any], datetime | None]


def name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def labels_of(obj: Obj) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def remediation_allowed(check: Obj) -> bool:
    """Only a RemediationAllowed condition that is True rules a health check out."""
    conditions = (check.get("status") or {}).get("conditions") or []
    return any(
        c.get("type") == "RemediationAllowed" and c.get("status") == "True" for c in conditions
    )


def is_deleting(machine: Obj) -> bool:
    return bool((machine.get("metadata") or {}).get("deletionTimestamp"))


def is_failed(machine: Obj) -> bool:
    status = machine.get("status") or {}
    return status.get("phase") == "Failed" or bool(status.get("errorReason"))


def node_name_of(machine: Obj) -> str:
    return str(((machine.get("status") or {}).get("nodeRef") or {}).get("name") or "")


def stuck_draining_for(node: Obj, now: datetime, timestamp: Timestamp) -> timedelta | None:
    """How long a NoSchedule taint has been on the node, if longer than ten minutes."""
    for taint in (node.get("spec") or {}).get("taints") or []:
        added = timestamp(taint.get("timeAdded"))
        if taint.get("effect") != "NoSchedule" or added is None:
            continue
        if now - added > DRAIN_STUCK_AFTER:
            return now - added
    return None


def whole_seconds(delta: timedelta) -> str:
    """``25 min``, ``3 h 5 min``, ``2 d 4 h``: enough precision for a responder."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def judge_deleting(
    machine: Obj,
    nodes: Mapping[str, Obj] | None,
    now: datetime,
    timestamp: Timestamp,
    advice: Recommendations,
) -> None:
    name, node_name = name_of(machine), node_name_of(machine)
    if not node_name:
        advice.add(Advice.INVESTIGATE_MACHINE, name, "it is stuck deleting and has no node")
        return
    node = (nodes or {}).get(node_name)
    if node is None:
        why = f"it is stuck deleting and its node {node_name} could not be read"
        advice.add(Advice.INVESTIGATE_MACHINE, name, why)
        return
    stuck = stuck_draining_for(node, now, timestamp)
    if stuck is not None:
        why = f"it has been draining for {whole_seconds(stuck)} (machine {name} is being deleted)"
        advice.add(Advice.INVESTIGATE_NODE, node_name, why)
        return
    advice.add(Advice.INVESTIGATE_MACHINE, name, "CAD cannot tell why it is stuck deleting")


# errorReason -> (advice, why); the reasons are openshift/api's MachineStatusError values.
FAILURES: dict[str, tuple[Advice, str]] = {
    "IPAddressInvalid": (
        Advice.DELETE_MACHINE,
        "its IP address is invalid; a new machine may get a valid one from the cloud",
    ),
    "CreateError": (
        Advice.DELETE_MACHINE,
        "it could not be created; a new attempt often gets past a passing cloud problem",
    ),
    "InvalidConfiguration": (
        Advice.INVESTIGATE_MACHINE,
        "its configuration is invalid; the audit logs show whether the machine or its "
        "machine set was changed by hand",
    ),
    "DeleteError": (
        Advice.INVESTIGATE_MACHINE,
        "its node could not be shut down cleanly",
    ),
    "InsufficientResources": (
        Advice.QUOTA_SERVICE_LOG,
        "the cloud account lacks the quota to create it",
    ),
}


def judge_failed(machine: Obj, advice: Recommendations) -> None:
    name = name_of(machine)
    status = machine.get("status") or {}
    message = str(status.get("errorMessage") or "(no message)")
    role = labels_of(machine).get(ROLE_LABEL)
    if role is None:
        why = f"it failed and CAD cannot tell its role (no {ROLE_LABEL} label): {message}"
        advice.add(Advice.INVESTIGATE_MACHINE, name, why)
        return
    if role != "worker":
        why = f"a Red Hat-managed {role} machine failed: {message}"
        advice.add(Advice.INVESTIGATE_MACHINE, name, why)
        return
    reason = str(status.get("errorReason") or "")
    kind, why = FAILURES.get(
        reason, (Advice.INVESTIGATE_MACHINE, "it failed without a known reason")
    )
    advice.add(kind, name, f"{why} ({reason or 'no errorReason'}: {message})")


def judge_node(node: Obj, now: datetime, timestamp: Timestamp, advice: Recommendations) -> None:
    name = name_of(node)
    roles = [key for key in labels_of(node) if key.startswith(NODE_ROLE_PREFIX)]
    if not roles:
        advice.add(Advice.INVESTIGATE_NODE, name, f"it has no {NODE_ROLE_PREFIX} role label")
        return
    if not any(key.endswith("worker") for key in roles):
        advice.add(Advice.INVESTIGATE_NODE, name, "a node that is not a worker is affected")
        return
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        advice.add(Advice.INVESTIGATE_NODE, name, "it reports no Ready condition")
        return
    if ready.get("status") == "True":
        return
    state = "NotReady" if ready.get("status") == "False" else "in an Unknown state"
    heartbeat = timestamp(ready.get("lastHeartbeatTime"))
    since = f" for {whole_seconds(now - heartbeat)}" if heartbeat else ""
    advice.add(Advice.INVESTIGATE_NODE, name, f"it has been {state}{since}")
