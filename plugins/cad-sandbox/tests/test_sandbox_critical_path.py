"""The critical path of a request log, checked on synthetic logs against brute force."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cad_sandbox.critical_path import critical_path, duration_ms, waited_for


def entry(start: float, end: float, number: int = 0) -> dict[str, Any]:
    return {
        "service": "ocm",
        "method": "GET",
        "path": f"/r{number}",
        "status": 200,
        "start_ms": start,
        "end_ms": end,
    }


@st.composite
def logs(draw: st.DrawFn, max_size: int = 7) -> list[dict[str, Any]]:
    # Whole milliseconds: sums of durations compare exactly, so brute force and the
    # module agree on ties; zero-length requests and shared instants are included.
    spans = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 15)), min_size=0, max_size=max_size)
    )
    return [entry(start, start + length, n) for n, (start, length) in enumerate(spans)]


def is_chain(steps: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> bool:
    return all(waited_for(later, earlier) for earlier, later in itertools.pairwise(steps))


def best_by_brute_force(log: list[dict[str, Any]]) -> tuple[float, int]:
    """Every ordered subset that is a chain; the best (time inside, requests) pair."""
    best = (0.0, 0)
    for size in range(1, len(log) + 1):
        for subset in itertools.combinations(log, size):
            ordered = sorted(subset, key=lambda e: (e["start_ms"], e["end_ms"]))
            if is_chain(ordered):
                best = max(best, (sum(duration_ms(e) for e in ordered), len(ordered)))
    return best


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(logs())
def test_the_path_is_a_chain_of_requests_from_the_log(log: list[dict[str, Any]]) -> None:
    path = critical_path(log)
    assert is_chain(path.steps)
    assert all(any(step is e for e in log) for step in path.steps)
    assert len({id(step) for step in path.steps}) == path.round_trips


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(logs())
def test_no_chain_is_longer(log: list[dict[str, Any]]) -> None:
    path = critical_path(log)
    assert (path.duration_ms, path.round_trips) == best_by_brute_force(log)


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(logs(max_size=30))
def test_it_has_a_step_exactly_when_the_log_has_a_request(log: list[dict[str, Any]]) -> None:
    path = critical_path(log)
    assert (path.round_trips == 0) == (not log)
    assert path.round_trips <= len(log)
    assert path.duration_ms >= max((duration_ms(e) for e in log), default=0)


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(logs(max_size=30), st.integers(-1000, 1000))
def test_moving_the_whole_log_in_time_changes_nothing(
    log: list[dict[str, Any]], shift: int
) -> None:
    moved = [entry(e["start_ms"] + shift, e["end_ms"] + shift, n) for n, e in enumerate(log)]
    before, after = critical_path(log), critical_path(moved)
    assert [s["path"] for s in before.steps] == [s["path"] for s in after.steps]


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_requests_one_after_another_are_all_on_the_path(lengths: list[int]) -> None:
    log, clock = [], 0
    for number, length in enumerate(lengths):
        log.append(entry(clock, clock + length, number))
        clock += length  # the next one starts the moment this one ends
    path = critical_path(log)
    assert path.round_trips == len(log) and path.span_ms == sum(lengths)


@settings(deadline=None)  # no wall-clock limit per example: the machine is shared
@given(st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_requests_that_all_overlap_are_one_round_trip(lengths: list[int]) -> None:
    log = [entry(0, length, number) for number, length in enumerate(lengths)]
    path = critical_path(log)
    assert path.round_trips == 1 and path.duration_ms == max(lengths)


def test_a_pair_side_by_side_costs_one_round_trip() -> None:
    # alert, then two DescribeInstances together, then the note: three round trips.
    log = [entry(0, 100), entry(110, 210, 1), entry(112, 215, 2), entry(220, 320, 3)]
    path = critical_path(log)
    assert [s["path"] for s in path.steps] == ["/r0", "/r2", "/r3"]
    assert path.to_json()["round_trips"] == 3
    assert path.to_json()["steps"][1] == {
        "service": "ocm",
        "method": "GET",
        "path": "/r2",
        "status": 200,
        "start_ms": 112,
        "end_ms": 215,
    }
