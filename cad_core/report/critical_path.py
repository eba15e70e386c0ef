"""The critical path of a request log: the requests a run had to wait for, one after another.

Each logged request is an interval, ``start_ms`` to ``end_ms`` as the simulator saw it.
Request B *waited for* request A when B started no earlier than A ended. A *chain* is a
sequence of requests each of which waited for the one before. The critical path is the
chain with the most time spent inside its requests (the sum of their durations); among
equally long chains, the one with more requests (any further tie is broken the same way
every time). Its number of requests is the number of round trips the run waited for in
a row: requests beside it overlapped with something on it, so they cost no waiting of
their own.

Pure functions over plain log entries (``dict``s with at least ``start_ms`` and
``end_ms``), so the definition is tested on synthetic logs, apart from any sandbox. It
lives in the core because the HTML run report (``cad report``) draws it from a saved
record without loading the sandbox plugin.

    path = critical_path(world.requests())
    path.round_trips, path.duration_ms, [step["path"] for step in path.steps]
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

Entry = Mapping[str, Any]


@attrs.frozen
class CriticalPath:
    """The longest chain of requests that each waited for the one before."""

    steps: tuple[Entry, ...]

    @property
    def round_trips(self) -> int:
        return len(self.steps)

    @property
    def duration_ms(self) -> float:
        return sum(duration_ms(step) for step in self.steps)

    @property
    def span_ms(self) -> float:
        """From the first step's start to the last step's end (gaps between steps included)."""
        return self.steps[-1]["end_ms"] - self.steps[0]["start_ms"] if self.steps else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "round_trips": self.round_trips,
            "duration_ms": round(self.duration_ms, 3),
            "span_ms": round(self.span_ms, 3),
            "steps": [{key: step.get(key) for key in STEP_KEYS} for step in self.steps],
        }


STEP_KEYS = ("service", "method", "path", "status", "start_ms", "end_ms")


def duration_ms(entry: Entry) -> float:
    return float(entry["end_ms"]) - float(entry["start_ms"])


def waited_for(later: Entry, earlier: Entry) -> bool:
    """Whether ``later`` started no earlier than ``earlier`` ended (the edge of a chain)."""
    return float(later["start_ms"]) >= float(earlier["end_ms"])


def critical_path(entries: Sequence[Entry]) -> CriticalPath:
    """The critical path of ``entries`` (see the module docstring); empty for no entries.

    Entries are taken in the order (start, end, position in the log); an entry only
    extends chains of entries before it in that order, so two instantaneous requests at
    one moment form a chain in log order rather than a cycle. Each entry's best chain is
    its duration plus the best chain among the entries that ended by the time it started;
    because entries come by start time, those finished ones can be gathered from a heap
    ordered by end time, once each: O(n log n).
    """
    order = sorted(range(len(entries)), key=lambda i: _order_key(entries, i))
    best: dict[int, tuple[float, int]] = {}
    before: dict[int, int | None] = {}
    finished: list[tuple[float, int, int]] = []  # (end, rank in order, entry index)
    leader: int | None = None  # the best chain among the finished ones ends here
    for rank, index in enumerate(order):
        start = float(entries[index]["start_ms"])
        while finished and finished[0][0] <= start:
            _, _, done = heapq.heappop(finished)
            if leader is None or best[done] > best[leader]:
                leader = done
        length, count = best[leader] if leader is not None else (0.0, 0)
        best[index] = (length + duration_ms(entries[index]), count + 1)
        before[index] = leader
        heapq.heappush(finished, (float(entries[index]["end_ms"]), rank, index))
    return CriticalPath(tuple(entries[i] for i in _walk_back(best, before, order)))


def _order_key(entries: Sequence[Entry], index: int) -> tuple[float, float, int]:
    return float(entries[index]["start_ms"]), float(entries[index]["end_ms"]), index


def _walk_back(
    best: dict[int, tuple[float, int]], before: dict[int, int | None], order: list[int]
) -> list[int]:
    # The first entry (in order) with the best value ends the path: ties go to the earliest.
    last = max(order, key=lambda i: best[i], default=None)
    chain: list[int] = []
    while last is not None:
        chain.append(last)
        last = before[last]
    return chain[::-1]
