"""Reads that overlap: prefetch, ``get_many``, ``concurrently`` (docs/resources.md).

Overlap is proven without clocks: builds that meet at a barrier can only all pass it when
they are in flight together; serialised, the barrier's (generous) timeout breaks it and
the test fails. Nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cad_core import (
    ActionExecutor,
    Alert,
    AlertSource,
    Investigation,
    InvestigationResult,
    Resource,
    TransientError,
)
from cad_core.errors import BadInputError, ResourceError
from cad_core.run.app import RunRequest, execute
from cad_core.run.context import Resources, RunInfo
from cad_core.run.overlap import concurrently
from cad_core.run.prefetch import prefetch_before_alert
from cad_core.testing import inline_plugin

MEET_TIMEOUT_S = 30.0  # only reached when the builds are serialised


class Builds:
    """Factories that count their calls (and which thread made them)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.threads: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def note(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1
            self.threads.setdefault(name, []).append(threading.current_thread().name)

    def value(self, name: str) -> Callable[[Resources], object]:
        def factory(resources: Resources) -> object:
            self.note(name)
            return f"{name}-value"

        return factory

    def meeting(self, name: str, barrier: threading.Barrier) -> Callable[[Resources], object]:
        def factory(resources: Resources) -> object:
            self.note(name)
            barrier.wait()  # BrokenBarrierError (a failed build) unless the others come too
            return f"{name}-value"

        return factory


@pytest.fixture
def builds() -> Builds:
    return Builds()


def run_resources(*registrations: Resource, workers: int = 8) -> Resources:
    return Resources({r.name: r for r in registrations}, cluster_id="c1", workers=workers)


# -- Resources.prefetch ---------------------------------------------------------------------


def test_prefetch_builds_independent_resources_side_by_side_and_each_once(builds) -> None:
    barrier = threading.Barrier(3, timeout=MEET_TIMEOUT_S)
    resources = run_resources(
        *(Resource(n, builds.meeting(n, barrier)) for n in ("deployment", "pools", "labels"))
    )
    resources.prefetch(["deployment", "pools", "labels"])
    resources.prefetch(["pools"])  # asked again: still one build
    assert resources.get_many("deployment", "pools", "labels") == (
        "deployment-value",
        "pools-value",
        "labels-value",
    )
    assert resources.get("pools") == "pools-value"
    assert builds.calls == Counter(deployment=1, pools=1, labels=1)
    assert all(t[0].startswith("cad-prefetch") for t in builds.threads.values())
    resources.close()


def test_prefetch_builds_what_a_resource_needs_first(builds) -> None:
    seen: list[bool] = []

    def deployment(resources: Resources) -> object:
        seen.append(resources.is_built("cluster"))  # declared need: built before we start
        builds.note("deployment")
        return {"cluster": resources.get("cluster")}

    resources = run_resources(
        Resource("cluster", builds.value("cluster")),
        Resource("deployment", deployment, needs=("cluster",)),
    )
    resources.prefetch(["deployment"])  # the need comes along although not named
    assert resources.get("deployment") == {"cluster": "cluster-value"}
    assert seen == [True]
    assert builds.calls == Counter(cluster=1, deployment=1)
    resources.close()


def test_a_get_waits_for_the_build_in_flight(builds) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(resources: Resources) -> object:
        builds.note("cluster")
        started.set()
        release.wait(MEET_TIMEOUT_S)
        return "cluster-value"

    resources = run_resources(Resource("cluster", slow))
    resources.prefetch(["cluster"])
    assert started.wait(MEET_TIMEOUT_S)
    got: list[object] = []
    asker = threading.Thread(target=lambda: got.append(resources.get("cluster")))
    asker.start()
    release.set()
    asker.join(MEET_TIMEOUT_S)
    assert got == ["cluster-value"]
    assert builds.calls == Counter(cluster=1)  # the asker waited; it did not build again
    resources.close()


def test_a_prefetch_error_is_raised_at_use_once_then_rebuilt(builds) -> None:
    failing = threading.Event()

    def flaky(resources: Resources) -> object:
        builds.note("cluster")
        if builds.calls["cluster"] == 1:
            failing.set()
            raise TransientError("OCM answered 503")
        return "cluster-value"

    resources = run_resources(Resource("cluster", flaky))
    resources.prefetch(["cluster"])  # never raises here
    assert failing.wait(MEET_TIMEOUT_S)
    with pytest.raises(ResourceError, match="503") as error:
        resources.get("cluster")  # waits for the build in flight, then gets its error
    assert isinstance(error.value.cause, TransientError)  # the same typed error as without
    assert error.value.name == "cluster"
    assert builds.calls == Counter(cluster=1)  # the failure was not fetched a second time
    assert resources.get("cluster") == "cluster-value"  # not cached: the next get rebuilds
    assert builds.calls == Counter(cluster=2)
    resources.close()


def test_what_needs_a_failed_resource_is_not_prefetched(builds) -> None:
    failed = threading.Event()

    def cluster(resources: Resources) -> object:
        builds.note("cluster")
        failed.set()
        raise TransientError("OCM answered 503")

    def deployment(resources: Resources) -> object:
        builds.note("deployment")
        return resources.get("cluster")

    resources = run_resources(
        Resource("cluster", cluster), Resource("deployment", deployment, needs=("cluster",))
    )
    resources.prefetch(["deployment"])
    assert failed.wait(MEET_TIMEOUT_S)
    with pytest.raises(ResourceError, match="503"):
        resources.get("cluster")
    resources.close()  # waits for anything in flight
    assert builds.calls == Counter(cluster=1)


def test_a_failure_settles_every_dependent_down_the_line(builds) -> None:
    """a fails; b and c need it, d needs b and c: none of them waits forever or is built."""
    failed = threading.Event()

    def a(resources: Resources) -> object:
        builds.note("a")
        failed.set()
        raise TransientError("a failed")

    resources = run_resources(
        Resource("a", a),
        Resource("b", builds.value("b"), needs=("a",)),
        Resource("c", builds.value("c"), needs=("a",)),
        Resource("d", builds.value("d"), needs=("b", "c", "a")),
    )
    resources.prefetch(["d"])
    assert failed.wait(MEET_TIMEOUT_S)
    resources.close()  # would hang if a dependent still waited for a worker
    assert builds.calls == Counter(a=1)


def test_no_workers_means_no_prefetch_and_reads_one_by_one(builds) -> None:
    resources = run_resources(Resource("cluster", builds.value("cluster")), workers=0)
    resources.prefetch(["cluster"])
    resources.close()
    assert builds.calls == Counter()


# -- get_many and concurrently --------------------------------------------------------------


def test_get_many_reads_side_by_side(builds) -> None:
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    resources = run_resources(
        Resource("events_stop", builds.meeting("events_stop", barrier)),
        Resource("events_terminate", builds.meeting("events_terminate", barrier)),
    )
    assert resources.get_many("events_stop", "events_terminate") == (
        "events_stop-value",
        "events_terminate-value",
    )


def test_get_many_raises_the_first_failure_in_order_after_all_finished(builds) -> None:
    def broken(name: str) -> Callable[[Resources], object]:
        def factory(resources: Resources) -> object:
            builds.note(name)
            raise TransientError(f"{name} failed")

        return factory

    resources = run_resources(
        Resource("a", builds.value("a")), Resource("b", broken("b")), Resource("c", broken("c"))
    )
    with pytest.raises(ResourceError, match="b failed"):
        resources.get_many("a", "b", "c")
    assert builds.calls == Counter(a=1, b=1, c=1)


def test_get_many_inside_a_factory_still_detects_loops() -> None:
    resources = run_resources(
        Resource("a", lambda r: r.get_many("b")), Resource("b", lambda r: r.get("a"))
    )
    with pytest.raises(ResourceError) as error:
        resources.get("a")  # a loop is an error, never a deadlock
    assert "loop" in str(error.value)


def meet(barrier: threading.Barrier, value: object) -> Callable[..., object]:
    """A call that returns ``value`` once every party of ``barrier`` has arrived."""

    def call(*_args: object) -> object:
        barrier.wait()
        return value

    return call


def test_get_many_read_one_by_one_keeps_the_loop_check_of_its_caller() -> None:
    def a(resources: Resources) -> object:
        resources.get_many("b")  # inline: no workers
        return resources.get("c")  # c asks for a: still a loop, not a recursion

    resources = run_resources(
        Resource("a", a),
        Resource("b", lambda r: "b"),
        Resource("c", lambda r: r.get("a")),
        workers=0,
    )
    with pytest.raises(ResourceError) as error:
        resources.get("a")
    assert "loop" in str(error.value)


def test_concurrently_overlaps_and_keeps_order() -> None:
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    assert concurrently(meet(barrier, 1), meet(barrier, 2)) == (1, 2)


def test_concurrently_with_one_worker_runs_in_order_and_stops_at_a_failure() -> None:
    ran: list[int] = []

    def fail() -> None:
        ran.append(2)
        raise ValueError("second")

    with pytest.raises(ValueError, match="second"):
        concurrently(lambda: ran.append(1), fail, lambda: ran.append(3), workers=1)
    assert ran == [1, 2]


def test_the_context_reads_side_by_side() -> None:
    from cad_core import InvestigationContext, Notes

    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    resources = run_resources(Resource("x", meet(barrier, 1)), Resource("y", meet(barrier, 2)))
    ctx = InvestigationContext("probe", "c1", resources, Notes("probe"))
    assert ctx.resources_many("x", "y") == (1, 2)
    assert ctx.concurrently(lambda: 3, lambda: 4) == (3, 4)


# -- the runner: what a chain declares, and nothing else ------------------------------------


def _parse(payload: bytes) -> Alert | None:
    data = json.loads(payload)
    return Alert(source="test", id="Q7", title=data["title"], cluster_id="2abc")


def _recording_executor(done: list[str]) -> Iterator[ActionExecutor]:
    yield ActionExecutor(
        name="recorder",
        action_types=("incident_note", "escalate_incident", "incident_title"),
        execute=lambda action, ctx: done.append(action.type_id),
    )


def world(builds: Builds, **investigations: Investigation) -> None:
    from cad_core.plugins.registry import build_registry, set_registry

    done: list[str] = []
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    plugin = inline_plugin(
        "prefetch-world",
        cad_alert_sources=lambda: [AlertSource(name="test-webhook", parse=_parse)],
        cad_action_executors=lambda: _recording_executor(done),
        cad_resources=lambda: [
            Resource("client", builds.value("client"), before_alert=True),
            Resource("token", builds.value("token"), needs=("client",), before_alert=True),
            Resource("cluster", builds.value("cluster"), needs=("client",)),
            Resource("deployment", builds.meeting("deployment", barrier), needs=("cluster",)),
            Resource("credentials", builds.meeting("credentials", barrier), needs=("cluster",)),
            Resource("unused", builds.value("unused"), needs=("cluster",)),
            Resource("elsewhere", builds.value("elsewhere")),
        ],
        cad_investigations=lambda: list(investigations.values()),
    )
    set_registry(build_registry([plugin], entry_points=False))


def reads(*names: str) -> Callable[[Any], InvestigationResult]:
    def run(ctx: Any) -> InvestigationResult:
        for name in names:
            ctx.resource(name)
        return InvestigationResult()

    return run


CHAIN = """
chain_heads: [head]
alerts:
  - alert_title: has gone missing
    name: missing
    investigations: [main]
"""


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    from cad_core.plugins.registry import set_registry

    monkeypatch.setenv("CAD_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.delenv("CAD_PREFETCH_WORKERS", raising=False)
    yield tmp_path
    set_registry(None)


def test_the_runner_prefetches_what_the_chain_declares_and_nothing_else(builds, isolated) -> None:
    world(
        builds,
        head=Investigation("head", reads("cluster"), prefetch=("token", "cluster")),
        # deployment and credentials meet at a barrier: they must be read side by side,
        # ahead of main, which reads them one after the other.
        main=Investigation(
            "main", reads("deployment", "credentials"), prefetch=("deployment", "credentials")
        ),
        other=Investigation("other", reads("elsewhere"), prefetch=("elsewhere",)),
    )
    config = isolated / "routing.yaml"
    config.write_text(CHAIN, encoding="utf-8")
    payload = json.dumps({"title": "cluster-a has gone missing"}).encode()
    record = execute(RunRequest(payload=payload, config=str(config)))
    assert record.outcome == "succeeded", record.errors
    assert [i.status for i in record.investigations] == ["no_findings", "no_findings"]
    assert builds.calls == Counter(client=1, token=1, cluster=1, deployment=1, credentials=1)
    assert builds.calls["unused"] == builds.calls["elsewhere"] == 0  # declared by no runner


FILTERED_CHAIN = """
chain_heads: [head]
alerts:
  - alert_title: has gone missing
    name: missing
    investigations:
      - name: other
        when: {field: AlertTitle, operator: in, values: ["a title this alert does not have"]}
"""


def test_an_entry_its_filter_leaves_out_reads_nothing_ahead(builds, isolated) -> None:
    world(
        builds,
        head=Investigation("head", reads("cluster"), prefetch=("cluster",)),
        other=Investigation("other", reads("elsewhere"), prefetch=("elsewhere",)),
    )
    config = isolated / "routing.yaml"
    config.write_text(FILTERED_CHAIN, encoding="utf-8")
    payload = json.dumps({"title": "cluster-a has gone missing"}).encode()
    record = execute(RunRequest(payload=payload, config=str(config)))
    assert [i.status for i in record.investigations] == ["no_findings", "filtered"]
    assert builds.calls["elsewhere"] == 0  # its entry did not run, so nothing was read


def test_before_the_alert_only_what_needs_no_alert_starts(builds, isolated) -> None:
    world(builds, head=Investigation("head", reads(), prefetch=("token", "cluster")))
    from cad_core.plugins.registry import get_registry

    resources = Resources(get_registry().resources(), run=RunInfo("incident"))
    prefetch_before_alert(resources, get_registry(), ["head"])
    assert resources.get("token") == "token-value"
    resources.close()  # waits for what is in flight
    assert builds.calls == Counter(client=1, token=1)  # not the cluster: it needs the alert


def test_the_heads_token_is_fetched_while_the_alert_is_read(builds, isolated) -> None:
    """The alert source and the token factory meet at a barrier: one after the other, the
    alert source would wait out the timeout and the run would fail."""
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
    world(builds, head=Investigation("head", reads("cluster"), prefetch=("token", "cluster")))
    from cad_core.plugins.registry import build_registry, get_registry, set_registry

    def parse(payload: bytes) -> Alert | None:
        barrier.wait()
        return _parse(payload)

    def token(resources: Resources) -> object:
        builds.note("token")
        barrier.wait()
        return "token-value"

    base = get_registry()
    plugin = inline_plugin(
        "meeting-world",
        cad_alert_sources=lambda: [AlertSource(name="meeting-webhook", parse=parse)],
        cad_action_executors=lambda: _recording_executor([]),
        cad_resources=lambda: [
            Resource("client", builds.value("client"), before_alert=True),
            Resource("token", token, needs=("client",), before_alert=True),
            Resource("cluster", builds.value("cluster"), needs=("client",)),
        ],
        cad_investigations=lambda: base.investigations(),
    )
    set_registry(build_registry([plugin], entry_points=False))
    config = isolated / "routing.yaml"
    config.write_text(CHAIN.replace("[main]", "[head]"), encoding="utf-8")
    payload = json.dumps({"title": "cluster-a has gone missing"}).encode()
    record = execute(RunRequest(payload=payload, config=str(config)))
    assert record.outcome == "succeeded", record.errors
    assert builds.calls == Counter(client=1, token=1, cluster=1)


def test_a_prefetch_failure_is_retried_by_the_runner_as_before(builds, isolated) -> None:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.01")
    attempts: list[int] = []

    def flaky(resources: Resources) -> object:
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("OCM answered 503")
        return {"id": "2abc"}

    def registrations() -> list[Resource]:
        return [Resource("cluster", flaky)]

    from cad_core.plugins.registry import build_registry, set_registry

    plugin = inline_plugin(
        "flaky-world",
        cad_resources=registrations,
        cad_investigations=lambda: [
            Investigation("probe", reads("cluster"), prefetch=("cluster",))
        ],
    )
    set_registry(build_registry([plugin], entry_points=False))
    try:
        record = execute(RunRequest(cluster_id="2abc", investigation="probe"))
    finally:
        monkeypatch.undo()
    (inv,) = record.investigations
    assert (inv.status, inv.attempts) == ("no_findings", 2)  # the error reached the run
    assert len(attempts) == 2  # once ahead (failed, raised at use), once on the retry


def test_a_bad_prefetch_worker_count_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    from cad_core.settings import RunSettings

    monkeypatch.setenv("CAD_PREFETCH_WORKERS", "-1")
    with pytest.raises(BadInputError, match="CAD_PREFETCH_WORKERS"):
        RunSettings.from_env()


def test_a_resource_cannot_be_both_before_the_alert_and_per_investigation() -> None:
    with pytest.raises(ValueError, match="before_alert"):
        Resource("kube", lambda r: None, scope="investigation", before_alert=True)
