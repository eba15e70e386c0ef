"""Did the cluster just come out of hibernation? Waking nodes often need CSRs approved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

RECENT = timedelta(hours=2)
SOP_LINK = (
    "https://github.com/openshift/ops-sop/blob/master/v4/alerts/"
    "cluster_has_gone_missing.md#24-hibernation"
)


def recently_resumed(periods: Sequence[Mapping[str, Any]], now: datetime) -> datetime | None:
    """When the last hibernation ended, if that was at most 2 hours ago (or later than now)."""
    if not periods:
        return None
    resumed = periods[-1].get("resumed")
    if not isinstance(resumed, datetime):
        return None  # still hibernating, or the period never closed
    return resumed if now - resumed <= RECENT else None
