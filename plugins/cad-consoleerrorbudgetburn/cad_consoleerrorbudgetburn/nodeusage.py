"""CPU and memory use of the console pods' nodes (``metrics.k8s.io`` node metrics against
each node's ``status.capacity``), as upstream reports it: 80% or more is a warning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import InvestigationContext
from cad_core.errors import one_line

from cad_consoleerrorbudgetburn import messages

THRESHOLD = 80  # percent, upstream's


def note_utilization(
    ctx: InvestigationContext, kube: Any, nodes: Mapping[str, Mapping[str, Any]]
) -> None:
    try:
        metrics = kube.list_objects("metrics.k8s.io/v1beta1", "nodes")
    except Exception as error:  # noted: usage only adds to the node findings
        ctx.notes.warning(messages.read_failed("Node Utilization", "node metrics", one_line(error)))
        return
    rows = []
    for item in metrics:
        name = str((item.get("metadata") or {}).get("name") or "")
        node = nodes.get(name)
        if node is not None:
            usage = _percentages(
                kube, item.get("usage") or {}, (node.get("status") or {}).get("capacity") or {}
            )
            if usage is not None:
                rows.append((name, *usage))
    if not rows:
        ctx.notes.warning(messages.NO_NODE_METRICS)
        return
    high = [row for row in rows if max(row[1], row[2]) >= THRESHOLD]
    if high:
        ctx.notes.warning(messages.nodes_busy(high))
    else:
        ctx.notes.success(messages.NODES_NOT_BUSY)
    ctx.notes.success(messages.node_usage(rows))


def _percentages(
    kube: Any, usage: Mapping[str, Any], capacity: Mapping[str, Any]
) -> tuple[int, int] | None:
    """(CPU %, memory %), or None when a value cannot be read (``kube.quantity``)."""
    percents = []
    for resource in ("cpu", "memory"):
        used, limit = kube.quantity(usage.get(resource)), kube.quantity(capacity.get(resource))
        if used is None or limit is None:
            return None
        percents.append(round(used * 100 / limit) if limit else 0)
    return percents[0], percents[1]
