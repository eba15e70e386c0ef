"""The node checks of ``clusterhealthcheck``: status, capacity, and what stands in for
upstream's Alertmanager query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core.errors import CadError, one_line
from cad_core.plan.notes import Notes

from cad_clustertools.kubeview import joined, name_of, size

THRESHOLD = 80  # percent: pre-allocation or use at or above it is worth a look
PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure")


def _nodes(kube: Any, notes: Notes, title: str) -> list[dict[str, Any]] | None:
    try:
        nodes: list[dict[str, Any]] = kube.list_objects("v1", "nodes")
    except CadError as error:
        notes.warning(f"{title}: could not list nodes - {one_line(error)}")
        return None
    if not nodes:
        notes.warning(f"{title}: no nodes found")
        return None
    return nodes


def node_status(kube: Any, notes: Notes, hcp: bool) -> None:
    nodes = _nodes(kube, notes, "Nodes")
    if nodes is None:
        return
    not_ready, cordoned, pressure, taints = [], [], [], []
    for node in nodes:
        name = name_of(node)
        for c in (node.get("status") or {}).get("conditions") or []:
            if c.get("type") == "Ready" and c.get("status") != "True":
                not_ready.append(
                    f"{name} (status: {c.get('status')}, reason: {c.get('reason') or '-'})"
                )
            elif c.get("type") in PRESSURE and c.get("status") == "True":
                pressure.append(f"{name}: {c.get('type')}")
        spec = node.get("spec") or {}
        if spec.get("unschedulable"):
            cordoned.append(name)
        taints += [f"{name}: {t.get('key')}: {t.get('effect')}" for t in spec.get("taints") or []]
    if not not_ready and not cordoned and not pressure:
        notes.success(f"Nodes: all {len(nodes)} Ready and healthy")
    if not_ready:
        notes.warning(f"Nodes: {len(not_ready)} not ready - {joined(not_ready, '; ')}")
    if cordoned:
        notes.warning(f"Nodes: {len(cordoned)} scheduling disabled - {joined(cordoned)}")
    if pressure:
        notes.warning(f"Node Conditions: {len(pressure)} - {joined(pressure, '; ')}")
    if taints:
        notes.warning(f"Node Taints: {len(taints)}:\n  " + joined(taints, "\n  "))


def _share(used: float, total: float) -> int:
    return int(round(used * 100 / total)) if total > 0 else 0


def _amount(kube: Any, amounts: Mapping[str, Any], key: str) -> float:
    """One quantity of a node's capacity, allocatable or usage; 0 when unreadable."""
    return float(kube.quantity(amounts.get(key)) or 0.0)


def capacity(kube: Any, notes: Notes, hcp: bool) -> None:
    """Pre-allocation as upstream counts it: what the node keeps from pods (capacity minus
    allocatable); then live use from the metrics API."""
    nodes = _nodes(kube, notes, "Capacity")
    if nodes is None:
        return
    per_node, over, capacities = [], [], {}
    for node in nodes:
        status = node.get("status") or {}
        cap, alloc = status.get("capacity") or {}, status.get("allocatable") or {}
        cpu_cap, cpu_alloc = _amount(kube, cap, "cpu"), _amount(kube, alloc, "cpu")
        mem_cap, mem_alloc = _amount(kube, cap, "memory"), _amount(kube, alloc, "memory")
        capacities[name_of(node)] = (cpu_cap, mem_cap)
        cpu, mem = _share(cpu_cap - cpu_alloc, cpu_cap), _share(mem_cap - mem_alloc, mem_cap)
        line = f"{name_of(node)}: CPU {cpu}%, Memory {mem}% ({size(mem_alloc)}/{size(mem_cap)})"
        per_node.append(line)
        if cpu >= THRESHOLD or mem >= THRESHOLD:
            over.append(line)
    if over:
        notes.warning(
            f"Capacity: {len(over)} node(s) with >={THRESHOLD}% pre-allocation - "
            f"{joined(over, '; ')}"
        )
    else:
        notes.success(f"Capacity: all {len(nodes)} nodes below {THRESHOLD}% pre-allocation")
    notes.automation("Pre-allocation per node:\n  " + joined(per_node, "\n  "))
    _utilization(kube, notes, capacities)


def _utilization(kube: Any, notes: Notes, capacities: dict[str, tuple[float, float]]) -> None:
    try:
        body = kube.get("/apis/metrics.k8s.io/v1beta1/nodes")
    except CadError as error:
        notes.warning(f"Capacity Utilization: the metrics API did not answer - {one_line(error)}")
        return
    per_node, over = [], []
    for item in body.get("items") or []:
        name, usage = name_of(item), item.get("usage") or {}
        if name not in capacities:
            continue
        cpu_cap, mem_cap = capacities[name]
        used_mem = _amount(kube, usage, "memory")
        cpu = _share(_amount(kube, usage, "cpu"), cpu_cap)
        mem = _share(used_mem, mem_cap)
        line = f"{name}: CPU {cpu}%, Memory {mem}% ({size(used_mem)}/{size(mem_cap)})"
        per_node.append(line)
        if cpu >= THRESHOLD or mem >= THRESHOLD:
            over.append(line)
    if not per_node:
        notes.warning("Capacity Utilization: no node metrics available")
        return
    if over:
        notes.warning(
            f"Capacity Utilization: {len(over)} node(s) at >={THRESHOLD}% - {joined(over, '; ')}"
        )
    else:
        notes.success(f"Capacity Utilization: every node below {THRESHOLD}% CPU and memory")
    notes.automation("Utilization per node:\n  " + joined(per_node, "\n  "))


def firing_alerts(kube: Any, notes: Notes, hcp: bool) -> None:
    """Upstream execs into an Alertmanager pod to ask its v2 API; CAD has no exec channel,
    so it says where to look instead (docs/upstream.md)."""
    notes.line(
        "Firing Alerts: not checked (CAD does not exec into pods); see them with "
        "`oc -n openshift-monitoring exec alertmanager-main-0 -- amtool alert query`"
    )
