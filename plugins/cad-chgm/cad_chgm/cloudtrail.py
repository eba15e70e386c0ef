"""Finding the CloudTrail event behind each stopped instance, waiting while CloudTrail lags.

CloudTrail delivers events minutes after the call, so an alert raised right after a stop
can find nothing yet. We ask again with exponential backoff until every stopped instance
has an event at least as recent as its stop time, or the wait budget is spent; whatever
is still missing then is reported by the caller as a finding for a human.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import attrs
from cad_core.run.overlap import concurrently

from cad_chgm.aws import aws_call
from cad_chgm.events import StopEvent, stop_event_from_lookup
from cad_chgm.instances import Instance

EVENT_NAMES = ("StopInstances", "TerminateInstances")
LOOKBACK = timedelta(hours=2)
# Busy accounts can hold thousands of events; stop paging there rather than crawl them all.
MAX_EVENTS_PER_NAME = 1000
FIRST_PAUSE_SECONDS = 2.0
LONGEST_PAUSE_SECONDS = 30.0

log = logging.getLogger("cad.chgm.cloudtrail")


@attrs.frozen
class Clock:
    """Time sources, replaceable in tests."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@attrs.frozen
class EventSearch:
    """The newest usable event per stopped instance, and the instances still lacking one."""

    found: Mapping[str, StopEvent]
    missing: tuple[str, ...]
    lookups: int

    def events_in_order(self, instances: Sequence[Instance]) -> list[StopEvent]:
        """Each usable event once, in the order of the instances it names."""
        ordered: list[StopEvent] = []
        for instance in instances:
            event = self.found.get(instance.id)
            if event is not None and event not in ordered:
                ordered.append(event)
        return ordered


# Runs independent calls and returns their results in order (``ctx.concurrently``).
Together = Callable[..., tuple[Any, ...]]
ONE_BY_ONE: Together = partial(concurrently, workers=1)


def lookup_stop_events(
    cloudtrail: Any, now: datetime, together: Together = ONE_BY_ONE
) -> list[StopEvent]:
    """StopInstances and TerminateInstances events of the look-back window, all pages.

    LookupEvents takes one lookup attribute per call, so the two names are two calls; the
    investigation passes ``ctx.concurrently`` so they run side by side (a boto3 client is
    thread-safe). The first failure, in the order of the names, is raised."""
    since = now - LOOKBACK
    per_name = together(*(partial(_lookup, cloudtrail, name, since) for name in EVENT_NAMES))
    return [event for events in per_name for event in events]


def _lookup(cloudtrail: Any, event_name: str, since: datetime) -> list[StopEvent]:
    found: list[StopEvent] = []
    with aws_call(f"looking up {event_name} events in CloudTrail"):
        pages = cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
            StartTime=since,
        )
        for page in pages:
            found.extend(stop_event_from_lookup(entry) for entry in page.get("Events", []))
            if len(found) >= MAX_EVENTS_PER_NAME:
                log.info("stopped reading %s events after %d", event_name, len(found))
                break
    return found


def newest_usable_events(
    instances: Iterable[Instance], events: Iterable[StopEvent]
) -> dict[str, StopEvent]:
    """Per instance, its newest event, kept only if it is not older than the stop time.

    An older event belongs to an earlier stop (the instance was started again since), so
    it cannot explain the current one.
    """
    events = list(events)
    usable: dict[str, StopEvent] = {}
    for instance in instances:
        naming = [e for e in events if e.names_instance(instance.id)]
        if not naming:
            continue
        newest = max(naming, key=lambda e: e.time)
        stopped_at = instance.stopped_at
        if stopped_at is not None and newest.time >= stopped_at:
            usable[instance.id] = newest
    return usable


def wait_for_stop_events(
    cloudtrail: Any,
    instances: Sequence[Instance],
    budget_seconds: float,
    clock: Clock | None = None,
    together: Together = ONE_BY_ONE,
) -> EventSearch:
    """Ask CloudTrail until each instance has a usable event or ``budget_seconds`` pass."""
    clock = clock or Clock()
    deadline = clock.monotonic() + budget_seconds
    pause, lookups = FIRST_PAUSE_SECONDS, 0
    while True:
        lookups += 1
        events = lookup_stop_events(cloudtrail, clock.now(), together)
        found = newest_usable_events(instances, events)
        missing = tuple(i.id for i in instances if i.id not in found)
        remaining = deadline - clock.monotonic()
        if not missing or remaining <= 0:
            _log_outcome(found, missing, lookups)
            return EventSearch(found=found, missing=missing, lookups=lookups)
        pause = min(pause, remaining, LONGEST_PAUSE_SECONDS)
        log.info(
            "CloudTrail has no stop event yet for %s (lookup %d); asking again in %.0f s, "
            "%.0f s of the %.0f s wait left",
            ", ".join(missing),
            lookups,
            pause,
            remaining,
            budget_seconds,
        )
        clock.sleep(pause)
        pause *= 2


def _log_outcome(found: Mapping[str, StopEvent], missing: Sequence[str], lookups: int) -> None:
    if missing:
        log.warning(
            "gave up waiting for CloudTrail after %d lookup(s): no usable stop event for %s",
            lookups,
            ", ".join(missing),
        )
    else:
        log.info("CloudTrail explains all %d stopped instance(s)", len(found))
