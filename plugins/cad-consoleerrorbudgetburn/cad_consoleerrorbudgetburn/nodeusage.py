"""CPU and memory use of the console pods' nodes (``metrics.k8s.io`` node metrics against
each node's ``status.capacity``), as upstream reports it: 80% or more is a warning."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cad_core import InvestigationContext
from cad_core.errors import one_line

from cad_consoleerrorbudgetburn import messages

THRESHOLD = 80  # percent, upstream's
QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
SUFFIXES = {
    "": 1.0,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}


def quantity(text: Any) -> float | None:
    """A Kubernetes quantity (``250m``, ``4``, ``16Gi``, ``16374624Ki``) as a number."""
    match = QUANTITY.match(str(text or "").strip())
    if not match or match.group(2) not in SUFFIXES:
        return None
    try:
        return float(match.group(1)) * SUFFIXES[match.group(2)]
    except ValueError:
        return None


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
                item.get("usage") or {}, (node.get("status") or {}).get("capacity") or {}
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


def _percentages(usage: Mapping[str, Any], capacity: Mapping[str, Any]) -> tuple[int, int] | None:
    """(CPU %, memory %), or None when a value cannot be read."""
    percents = []
    for resource in ("cpu", "memory"):
        used, limit = quantity(usage.get(resource)), quantity(capacity.get(resource))
        if used is None or limit is None:
            return None
        percents.append(round(used * 100 / limit) if limit else 0)
    return percents[0], percents[1]
