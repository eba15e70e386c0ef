"""The dependency bound of a run, computed from what its chain declares (bench/README.md).

Not a bench itself: ``whole_run.py`` and the round-trip test use it. A run's requests
fall into phases, and each phase's levels come from a declaration, not from counting:

* **the alert**: the levels of the requests made before the first investigation that
  belong to no resource (reading the alert: one).
* **resources**: each resource's own round trips (its requests, counted by building it
  alone against a fresh world once what it ``needs`` is built, :func:`probe_costs`) on
  top of the latest of its ``Resource.needs``. A resource some ran investigation
  declares in ``prefetch=`` starts once the alert is read (at 0 when ``before_alert``);
  one nobody declares, or one scoped to the investigation (``kube``: opened only when the
  investigation asks, after precheck), starts with the investigation that asks for it.
* **an investigation** starts when the entry before it ended, and its own reads (those
  that are not a resource's) start once every resource it used is built. They count as
  many levels as the code makes them wait for one another in the run's request log (an
  investigation's data dependencies are in its code, not declared; reading them through a
  resource with ``needs`` lets the bound see through them).
* **its plan**: the engine's declared action dependencies (note writers before the note,
  the incident lane, ``requires``), one level per write attempt, and the executor's
  idempotency check (``already_applied``) one level before each attempt, except the first
  when the executor's ``warm_up`` reads that state as the plan starts (then the check's
  read is a level beside the plan's other first reads).
* **closing**: an investigation that opened an investigation-scoped resource (``kube``:
  a backplane remediation) closes it once it has returned, beside its plan
  (cad_core/run/closing.py), so it ends at max(its plan's end, its own reads' end + 1).
  A phase of its own (one level at the end of the run) only when such a resource is
  kept for the plan (an executor declares it, ``ActionExecutor.resources``) or was opened
  again after its investigation returned (an executor asked without declaring it), since
  those close when the run ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from cad_core import logcontext
from cad_core.plan.engine.report import Status
from cad_core.plan.engine.schedule import dependencies
from cad_core.plugins.registry import get_registry
from cad_core.report.critical_path import critical_path
from cad_core.run.context import Resources, RunInfo

INFRA = "infra_cluster"  # the core's infrastructure guard reads it (cad_core.plan.engine)
Identity = tuple[str, str, str, str]
Window = tuple[str, float, float]  # investigation, start and end in the world's ms


def identity(entry: Mapping[str, Any]) -> Identity:
    return (entry["service"], entry["method"], entry["path"], entry.get("query", ""))


@contextlib.contextmanager
def investigation_windows(world: Any) -> Iterator[list[Window]]:
    """While inside: the investigations' windows, on ``world``'s clock (the request log's)."""
    windows: list[Window] = []
    original = logcontext.work_scope

    @contextlib.contextmanager
    def recorded(investigation: str | None, action: str | None = None) -> Iterator[None]:
        start = world.elapsed_ms()
        with original(investigation, action):
            yield
        if investigation and action is None:  # an investigation's own run, not an executor
            windows.append((investigation, start, world.elapsed_ms()))

    logcontext.work_scope = recorded
    try:
        yield windows
    finally:
        logcontext.work_scope = original


@attrs.frozen
class Probe:
    """What building each resource alone costs, in requests of its own."""

    requests: Mapping[str, tuple[Identity, ...]]  # (name, investigation) keys flattened
    closing: int  # requests made when the probe's resources were closed


def _closure(registry_resources: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """``names`` and what they need, needs first (the order a prefetch builds them)."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in registry_resources:
            return
        for need in registry_resources[name].needs:
            visit(need)
        ordered.append(name)

    for name in names:
        visit(name)
    # Before-alert resources (clients, tokens) first: the run builds them before anything.
    early = [n for n in ordered if registry_resources[n].before_alert]
    return early + [n for n in ordered if n not in early]


def probe_costs(box: Any, cluster_id: str, investigations: Sequence[str]) -> Probe:
    """Build every resource the investigations declare or may open, one by one, in a
    fresh world, and note the requests each build adds (its needs are built first)."""
    providers = get_registry().resources()
    # Declared ones first, in the order a prefetch builds them, then every other resource,
    # so a request an investigation makes through an undeclared resource is known too.
    declared = [n for inv in investigations for n in _declared(inv)]
    base = Resources(providers, run=RunInfo(mode="incident", cluster_id=cluster_id), workers=0)
    found: dict[str, tuple[Identity, ...]] = {}
    for name in _closure(providers, [*declared, *sorted(providers)]):
        if providers[name].scope == "run":
            found[name] = _requests_of(box, lambda n=name: base.get(n))
    scoped = sorted(n for n, r in providers.items() if r.scope == "investigation")
    for inv in investigations:
        view = base.scoped(inv)
        for name in _closure(providers, scoped):
            if providers[name].scope == "investigation":
                found[f"{name}@{inv}"] = _requests_of(box, lambda n=name, v=view: v.get(n))
    before = len(box.world.requests())
    base.close()
    return Probe(found, len(box.world.requests()) - before)


def _declared(name: str) -> tuple[str, ...]:
    try:
        return get_registry().investigation(name).prefetch
    except Exception:  # not an installed investigation: it declares nothing
        return ()


def _requests_of(box: Any, build: Any) -> tuple[Identity, ...]:
    before = len(box.world.requests())
    with contextlib.suppress(Exception):  # a failed build costs what it asked for
        build()
    return tuple(identity(e) for e in box.world.requests()[before:])


@attrs.frozen
class Bound:
    """The bound in round trips, and the levels of each phase (for the table)."""

    levels: int
    parts: Mapping[str, int]


def dependency_bound(
    log: Sequence[Mapping[str, Any]],
    windows: Sequence[Window],
    probe: Probe,
    record: Any,
    offset_ms: float,
) -> Bound:
    """The longest path through the run's declared dependencies, in round trips.

    ``offset_ms`` turns the engine's monotonic times into the log's: monotonic ms - log ms.
    """
    writes = [e for e in log if e.get("write")]

    def wrote(outcome: Any) -> bool:
        """Whether the action sent a write of its own (a title riding along sends none)."""
        start, end = outcome.started * 1000 - offset_ms, outcome.finished * 1000 - offset_ms
        return any(start <= e["start_ms"] <= end for e in writes)

    providers = get_registry().resources()
    owner = _owners(probe)
    ran = [w for w in windows if w[0] in {i.name for i in record.investigations}]
    first = min((w[1] for w in ran), default=float("inf"))
    alert = [e for e in log if e["start_ms"] < first and identity(e) not in owner]
    parts: dict[str, int] = {"alert": critical_path(alert).round_trips}
    declared = {n for name, _, _ in ran for n in _closure(providers, _declared(name))}
    finish: dict[str, int] = {}

    def built(key: str, start: int) -> int:
        name, _, inv = key.partition("@")
        if key not in finish:
            resource = providers[name]
            if resource.before_alert:
                start = 0
            elif resource.scope == "run" and name in declared:
                start = parts["alert"]
            needs = [n if providers[n].scope == "run" else f"{n}@{inv}" for n in resource.needs]
            ready = max(
                [start, *(built(n, start) for n in needs if n.partition("@")[0] in providers)]
            )
            finish[key] = ready + len(probe.requests.get(key, ()))
        return finish[key]

    end = parts["alert"]
    first_end: int | None = None  # cluster-touching declarations start once the first ends
    closes_last = False  # a scoped resource open until the run's end
    for name, start_ms, end_ms in _first_windows(ran):
        inside = [e for e in log if start_ms <= e["start_ms"] <= end_ms]
        # What it built on demand (no ran investigation declares it: a declared one being
        # read ahead for another investigation may fall in this window too), and what it
        # declares.
        used = {owner[identity(e)] for e in inside if identity(e) in owner}
        used = {k for k in used if k.partition("@")[0] not in declared}
        mine = _closure(providers, _declared(name))
        used |= {n if providers[n].scope == "run" else f"{n}@{name}" for n in mine}
        used = {k for k in used if k in probe.requests and ("@" not in k or k.endswith(f"@{name}"))}
        scoped = [k for k in used if "@" in k]
        closes_last |= _opened_after(log, probe, scoped, end_ms)
        own = critical_path([e for e in inside if identity(e) not in owner]).round_trips
        for key in sorted(used):  # a declared scoped one starts when the first entry ends
            early = first_end is not None and key.partition("@")[0] in mine
            built(key, first_end if early and "@" in key else end)
        ready = max([end, *(built(k, end) for k in used)])
        outcomes = [o for o in record.actions if o.investigation == name]
        if any(o.action.guard_label for o in outcomes) and INFRA in providers:
            # The infrastructure guard reads its resource before the plan runs.
            ready = max(ready, built(INFRA, ready + own) - own)
        plan = plan_levels(outcomes, wrote)
        kept = _kept_for_plan(outcomes, scoped)  # its executors declare them: open to the end
        closes_last |= bool(kept)
        # Its own resources close beside its plan: one level after its reads at least.
        closing = 1 if set(scoped) - kept and probe.closing else 0
        parts[name] = ready + own + max(plan, closing) - end
        parts[f"{name}: resources"], parts[f"{name}: reads"] = ready - end, own
        parts[f"{name}: plan"] = plan
        if closing:
            parts[f"{name}: closing"] = closing
        first_end = end + parts[name] if first_end is None else first_end
        end += parts[name]
    escalation = plan_levels([o for o in record.actions if not o.investigation], wrote)
    if escalation:
        parts["escalation"] = escalation
    if closes_last and probe.closing:  # kept for, or opened again by, an executor
        parts["closing"] = 1
    return Bound(end + escalation + parts.get("closing", 0), parts)


def _kept_for_plan(outcomes: Sequence[Any], scoped: Sequence[str]) -> set[str]:
    """The scoped keys the plan's executors declare they ask for (``resources=``): the
    runner keeps those open for the plan, so they close when the run ends."""
    executors = {e.name: e for e in get_registry().executors()}
    declared = {
        n for o in outcomes if o.executor in executors for n in executors[o.executor].resources
    }
    return {key for key in scoped if key.partition("@")[0] in declared}


def _opened_after(
    log: Sequence[Mapping[str, Any]], probe: Probe, keys: Sequence[str], after_ms: float
) -> bool:
    """Whether a build of ``keys`` (an investigation's own resources) was made again after
    its investigation returned: an executor of its plan asked for one afresh."""
    made = {request for key in keys for request in probe.requests.get(key, ())}
    return any(e["start_ms"] > after_ms and identity(e) in made for e in log)


def _owners(probe: Probe) -> dict[Identity, str]:
    owner: dict[Identity, str] = {}
    for key, requests in probe.requests.items():
        for request in requests:
            owner.setdefault(request, key)
    return owner


def _first_windows(windows: Sequence[Window]) -> list[Window]:
    """One window per investigation: its first attempt's start to its last attempt's end."""
    spans: dict[str, Window] = {}
    for name, start, end in windows:
        known = spans.get(name)
        spans[name] = (
            (name, min(start, known[1]), max(end, known[2])) if known else (name, start, end)
        )
    return sorted(spans.values(), key=lambda w: w[1])


def plan_levels(outcomes: Sequence[Any], wrote: Callable[[Any], bool]) -> int:
    """Levels of one executed plan: declared dependencies, checks and write attempts."""
    if not outcomes:
        return 0
    executors = {e.name: e for e in get_registry().executors()}
    actions = [o.action for o in outcomes]
    deps = dependencies(actions)
    finish: list[int] = [0] * len(actions)
    for index in _topological(deps):
        outcome = outcomes[index]
        executor = executors.get(outcome.executor)
        checks = executor is not None and executor.already_applied is not None
        warmed = checks and executor is not None and executor.warm_up is not None
        writes = outcome.attempts if outcome.status in _WROTE and wrote(outcome) else 0
        own_checks = (outcome.attempts - (1 if warmed else 0)) if checks else 0
        start = max([1 if warmed else 0, *(finish[d] for d in deps[index])])
        finish[index] = start + writes + max(own_checks, 0)
    return max(finish)


_WROTE = (Status.SUCCEEDED, Status.FAILED)


def _topological(deps: Sequence[set[int]]) -> list[int]:
    done: list[int] = []
    while len(done) < len(deps):
        done.append(next(i for i in range(len(deps)) if i not in done and deps[i] <= set(done)))
    return done
