"""Which nodes are draining, which have stalled, and which of the others are unhealthy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

Obj = Mapping[str, Any]
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
STALLED_AFTER = timedelta(minutes=10)
PRESSURES = ("DiskPressure", "MemoryPressure", "PIDPressure")
# kube.timestamp: a kube time (RFC 3339) as an aware datetime, None when unreadable
Timestamp = Callable[[Any], datetime | None]


def name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def duration(delta: timedelta) -> str:
    """``25 min``, ``3 h 5 min``, ``2 d 4 h``: enough precision for a responder."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@attrs.frozen
class Draining:
    name: str
    since: datetime
    for_: timedelta

    @property
    def stalled(self) -> bool:
        return self.for_ >= STALLED_AFTER

    def describe(self) -> str:
        return f"{self.name}: draining for {duration(self.for_)}"


def draining(node: Obj, now: datetime, timestamp: Timestamp) -> Draining | None:
    """The node's drain, from the unschedulable NoSchedule taint the drain puts on it."""
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("key") == UNSCHEDULABLE and taint.get("effect") == "NoSchedule":
            # No timeAdded: the node's age is the best lower bound there is.
            created = (node.get("metadata") or {}).get("creationTimestamp")
            since = timestamp(taint.get("timeAdded")) or timestamp(created) or now
            return Draining(name_of(node), since, now - since)
    return None


def health_problems(node: Obj) -> list[str]:
    """NotReady and any resource pressure: why evicted pods might not land on this node."""
    problems = []
    for condition in (node.get("status") or {}).get("conditions") or []:
        kind, status = condition.get("type"), condition.get("status")
        if kind == "Ready" and status != "True":
            problems.append("NotReady")
        elif kind in PRESSURES and status == "True":
            problems.append(str(kind))
    return problems
