"""``describenodes``: what ``oc describe node`` shows, for the nodes the run's parameters
pick, in a cluster report.

Selection (``cad run -i describe-nodes -c <id> -p KEY=VALUE``), first match wins, as
upstream: ``NODES=a,b`` (by name; unknown names are noted), ``SELECTOR=<label selector>``,
the role flags ``MASTER=true`` / ``INFRA=true`` / ``WORKER=true`` (combinable), else every node.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cad_core import InvestigationContext, InvestigationResult
from cad_core.errors import CadError, InfrastructureError, one_line

from cad_clustertools.kubeview import (
    Obj,
    age,
    labels_of,
    name_of,
    namespace_of,
    report,
    roles,
    start,
)

# Upstream's INFRA selector is `node-role.kubernetes.io=infra` (a label OpenShift nodes do
# not carry, so it picks none); these test the role labels themselves (docs/upstream.md).
ROLE_SELECTORS = {
    "MASTER": "node-role.kubernetes.io/master",
    "INFRA": "node-role.kubernetes.io/infra",
    "WORKER": "node-role.kubernetes.io/worker,!node-role.kubernetes.io/infra",
}


def run(ctx: InvestigationContext) -> InvestigationResult:
    kube, hcp, unreachable = start(
        ctx, "HCP cluster: its control-plane nodes run on the management cluster"
    )
    if unreachable is not None:
        return unreachable
    try:
        nodes = _select(ctx, kube, hcp)
        if not nodes:
            ctx.notes.warning("No node matches the selection")
            return report(ctx)
        pods = _by_node(kube.list_objects("v1", "pods"))
        events = _node_events(kube)
    except CadError as error:
        raise InfrastructureError(
            f"listing nodes, pods or events failed: {one_line(error)}", context="describenodes"
        ) from error
    texts = [
        describe(node, pods.get(name_of(node), []), events.get(name_of(node), []), kube)
        for node in nodes
    ]
    ctx.notes.success(f"Described {len(nodes)}/{len(nodes)} nodes")
    ctx.notes.automation("Node descriptions:\n\n" + "\n---\n\n".join(texts))
    return report(ctx)


def _select(ctx: InvestigationContext, kube: Any, hcp: bool) -> list[dict[str, Any]]:
    params = ctx.run.params
    if params.get("NODES"):
        found = []
        for name in (n.strip() for n in params["NODES"].split(",")):
            if not name:
                continue
            node = kube.get_object("v1", "nodes", name)
            if node is None:
                ctx.notes.warning(f"Node {name} was not found")
            else:
                found.append(node)
        return found
    if params.get("SELECTOR"):
        nodes: list[dict[str, Any]] = kube.list_objects(
            "v1", "nodes", label_selector=params["SELECTOR"]
        )
        return nodes
    chosen = [role for role in ROLE_SELECTORS if params.get(role) == "true"]
    if not chosen:
        every: list[dict[str, Any]] = kube.list_objects("v1", "nodes")
        return every
    if hcp and "MASTER" in chosen:
        ctx.notes.warning("MASTER skipped: an HCP cluster has no control-plane nodes of its own")
        chosen.remove("MASTER")
    picked: dict[str, dict[str, Any]] = {}
    for role in chosen:
        for node in kube.list_objects("v1", "nodes", label_selector=ROLE_SELECTORS[role]):
            picked.setdefault(name_of(node), node)
    return list(picked.values())


def _by_node(pods: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        node = (pod.get("spec") or {}).get("nodeName")
        if node and phase not in ("Succeeded", "Failed"):  # "Non-terminated pods"
            grouped[node].append(pod)
    return grouped


def _node_events(kube: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in kube.list_objects("v1", "events", field_selector="involvedObject.kind=Node"):
        grouped[str((event.get("involvedObject") or {}).get("name") or "")].append(event)
    return grouped


def describe(node: Obj, pods: list[dict[str, Any]], events: list[dict[str, Any]], kube: Any) -> str:
    """The node as ``oc describe node`` shows it; ``kube`` reads its quantities and times."""
    spec, status = node.get("spec") or {}, node.get("status") or {}
    meta = node.get("metadata") or {}
    info = status.get("nodeInfo") or {}
    lines = [
        f"Name:               {name_of(node)}",
        f"Roles:              {','.join(roles(node)) or '<none>'}",
        "Labels:             "
        + (
            "\n                    ".join(f"{k}={v}" for k, v in sorted(labels_of(node).items()))
            or "<none>"
        ),
        f"CreationTimestamp:  {meta.get('creationTimestamp', '<unknown>')}",
        "Taints:             "
        + (
            "\n                    ".join(
                f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
                for t in spec.get("taints") or []
            )
            or "<none>"
        ),
        f"Unschedulable:      {str(bool(spec.get('unschedulable'))).lower()}",
        "Conditions:",
        "  Type  Status  LastHeartbeatTime  Reason  Message",
    ]
    for c in status.get("conditions") or []:
        lines.append(
            f"  {c.get('type')}  {c.get('status')}  {c.get('lastHeartbeatTime', '')}  "
            f"{c.get('reason', '')}  {c.get('message', '')}"
        )
    lines.append("Addresses:")
    lines += [f"  {a.get('type')}: {a.get('address')}" for a in status.get("addresses") or []]
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        lines.append(f"{title}:")
        lines += [f"  {k}: {v}" for k, v in sorted((status.get(key) or {}).items())]
    lines += [
        "System Info:",
        f"  Kernel Version:             {info.get('kernelVersion', '')}",
        f"  OS Image:                   {info.get('osImage', '')}",
        f"  Container Runtime Version:  {info.get('containerRuntimeVersion', '')}",
        f"  Kubelet Version:            {info.get('kubeletVersion', '')}",
        f"ProviderID:         {spec.get('providerID', '')}",
    ]
    lines += _pods(pods, status.get("allocatable") or {}, kube)
    lines.append("Events:" if events else "Events:             <none>")
    for event in sorted(events, key=lambda e: str(e.get("lastTimestamp") or "")):
        lines.append(
            f"  {event.get('type')}  {event.get('reason')}  "
            f"{age(kube.timestamp(event.get('lastTimestamp')))}  {event.get('message', '')}"
        )
    return "\n".join(lines)


def _requests(pod: Obj, kube: Any) -> tuple[float, float]:
    cpu = memory = 0.0
    for container in (pod.get("spec") or {}).get("containers") or []:
        wanted = (container.get("resources") or {}).get("requests") or {}
        cpu += kube.quantity(wanted.get("cpu")) or 0.0
        memory += kube.quantity(wanted.get("memory")) or 0.0
    return cpu, memory


def _pods(pods: list[dict[str, Any]], allocatable: Obj, kube: Any) -> list[str]:
    lines = [
        f"Non-terminated Pods: ({len(pods)} in total)",
        "  Namespace  Name  CPU Requests  Memory Requests  Age",
    ]
    total_cpu = total_memory = 0.0
    for pod in sorted(pods, key=lambda p: (namespace_of(p), name_of(p))):
        cpu, memory = _requests(pod, kube)
        total_cpu, total_memory = total_cpu + cpu, total_memory + memory
        created = (pod.get("metadata") or {}).get("creationTimestamp")
        lines.append(
            f"  {namespace_of(pod)}  {name_of(pod)}  {round(cpu * 1000)}m  "
            f"{int(memory // 2**20)}Mi  {age(kube.timestamp(created))}"
        )
    lines.append("Allocated resources:")
    for label, used, key, unit in (
        ("cpu", total_cpu, "cpu", 1000),
        ("memory", total_memory, "memory", 2**-20),
    ):
        limit = kube.quantity(allocatable.get(key)) or 0.0
        share = f" ({int(round(used * 100 / limit))}%)" if limit else ""
        # Millicores are whole numbers whose float sums may fall just short: rounded.
        shown = f"{round(used * unit)}m" if label == "cpu" else f"{int(used * unit)}Mi"
        lines.append(f"  {label}: {shown}{share}")
    return lines
