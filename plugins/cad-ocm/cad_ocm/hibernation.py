"""Hibernation periods from cluster-state service logs (upstream's timeline rules)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cad_ocm.times import parse_timestamp

QUERY = "log_type='cluster-state-updates'"
HIBERNATING = "cluster_state_hibernating"
READY = "cluster_state_ready"


def hibernation_periods(logs: Iterable[Mapping[str, Any]]) -> list[dict[str, datetime]]:
    """``[{"hibernated", "resumed"}]`` oldest first.

    Rules kept from upstream so verdicts match: entries are read in time order; a
    "hibernating" entry starts a period; a "ready" entry closes one only if a start was
    ever seen (so the "ready" after installation is ignored); the start is not cleared
    after a period closes.
    """
    timeline = []
    for entry in logs:
        when = parse_timestamp(entry.get("timestamp"))
        if when is not None:
            timeline.append((when, entry.get("summary")))
    timeline.sort(key=lambda pair: pair[0])
    periods: list[dict[str, datetime]] = []
    started: datetime | None = None
    for when, summary in timeline:
        if summary == HIBERNATING:
            started = when
        elif summary == READY and started is not None:
            periods.append({"hibernated": started, "resumed": when})
    return periods
