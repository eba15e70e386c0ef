"""What investigations and executors are handed: the alert, the notes, the resources."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from cad_core.errors import BadInputError, ResourceError
from cad_core.plan.notes import Notes
from cad_core.plan.view import PlanView
from cad_core.run.closing import ScopeClosing, close_all, close_scope, keep_built, with_needs
from cad_core.run.overlap import DEFAULT_WORKERS, Prefetcher, concurrently

if TYPE_CHECKING:
    from cad_core.plan.actions import Action
    from cad_core.plugins.registrations import Resource


@attrs.frozen
class Alert:
    """An incoming alert, as an alert source understood it."""

    source: str
    id: str
    title: str
    cluster_id: str = ""
    service_id: str = ""
    service_name: str = ""
    url: str = ""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    # The source saw the incident resolved already: CAD must write nothing about it.
    resolved: bool = False
    # Non-empty: the source's reason this event is not one CAD investigates (PagerDuty: an
    # incident.acknowledged, say). CAD answers, logs the reason and does nothing else.
    ignored: str = ""

    def to_record(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "title": self.title,
            "cluster_id": self.cluster_id,
            "service_id": self.service_id,
            "service_name": self.service_name,
            "url": self.url,
            "resolved": self.resolved,
        }


def _frozen_params(values: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


@attrs.frozen
class RunInfo:
    """What a run is about: immutable, and handed to plugins explicitly.

    ``investigation`` is set on the view an investigation (and its plan's executors) get,
    so a resource can be scoped to it without anyone mutating shared state.
    """

    mode: str = "manual"  # incident | manual | apply
    cluster_id: str = ""
    alert: Alert | None = None
    dry_run: bool = False
    investigation: str = ""
    params: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_params)

    def for_investigation(self, name: str) -> RunInfo:
        return attrs.evolve(self, investigation=name)


class _Cache:
    """What every view of one run's resources shares: built values, build locks, the
    failures of builds made ahead of use (each waits for its first asker) and the
    prefetcher."""

    def __init__(self, workers: int) -> None:
        self.built: dict[tuple[str, str], object] = {}
        self.held: dict[tuple[str, str], ResourceError] = {}
        self.locks: dict[tuple[str, str], threading.RLock] = {}
        self.guard = threading.Lock()
        self.building = threading.local()
        self.workers = workers
        self.prefetcher: Prefetcher | None = None
        self.closings: list[ScopeClosing] = []  # investigations' resources closed early
        self.generations: dict[str, int] = {}  # per investigation: times its resources went


_MISSING = object()


class Resources:
    """Lazily built, shared resources for one run.

    A successful build is cached for the rest of the run; a failed one is not, so a retried
    investigation builds it again. Builds of one name are serialised; different names
    build concurrently. A resource registered with ``scope="investigation"`` is built once
    per investigation (for example kube-API access whose RBAC is the investigation's own),
    through the view :meth:`scoped` returns.

    Reads can overlap: :meth:`prefetch` starts builds in the background (``workers``
    bounds the pool; 0 turns prefetching off), :meth:`get_many` builds several at once.
    A build in flight is waited for, never repeated.
    """

    def __init__(
        self,
        providers: Mapping[str, Resource],
        *,
        run: RunInfo | None = None,
        cluster_id: str = "",
        alert: Alert | None = None,
        params: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
        workers: int = DEFAULT_WORKERS,
        _cache: _Cache | None = None,
    ) -> None:
        self._providers = dict(providers)
        self.run = run or RunInfo(cluster_id=cluster_id, alert=alert, params=params or {})
        self.log = logger or logging.getLogger("cad.resources")
        self._cache = _cache or _Cache(workers)

    @property
    def cluster_id(self) -> str:
        return self.run.cluster_id

    @property
    def alert(self) -> Alert | None:
        return self.run.alert

    @property
    def params(self) -> Mapping[str, str]:
        return self.run.params

    @property
    def investigation(self) -> str:
        return self.run.investigation

    def scoped(self, investigation: str) -> Resources:
        """A view for one investigation: same cache, its own investigation-scoped builds."""
        return Resources(
            self._providers,
            run=self.run.for_investigation(investigation),
            logger=self.log,
            _cache=self._cache,
        )

    def with_run(self, run: RunInfo) -> Resources:
        """A view of the same cache for ``run``: what was built before the alert was read
        (``before_alert`` resources) carries over to the run it belongs to."""
        return Resources(self._providers, run=run, logger=self.log, _cache=self._cache)

    def has(self, name: str) -> bool:
        return name in self._providers

    def needs_of(self, name: str) -> tuple[str, ...]:
        """What ``name`` declares it needs (``Resource.needs``), as far as it is provided."""
        provider = self._providers.get(name)
        return tuple(n for n in provider.needs if n in self._providers) if provider else ()

    def before_alert(self, name: str) -> bool:
        """True when ``name`` and all it needs may be built before the alert is known."""
        provider = self._providers.get(name)
        if provider is None or not provider.before_alert:
            return False
        return all(self.before_alert(need) for need in self.needs_of(name) if need != name)

    @property
    def workers(self) -> int:
        """How many reads of this run may be in flight together (CAD_PREFETCH_WORKERS)."""
        return self._cache.workers

    def names(self) -> list[str]:
        return sorted(self._providers)

    def key_of(self, name: str) -> tuple[str, str]:
        """The cache key: the name, plus the investigation for investigation-scoped ones."""
        return self._key(name)

    def _key(self, name: str) -> tuple[str, str]:
        provider = self._providers.get(name)
        scoped = provider is not None and provider.scope == "investigation"
        return name, self.run.investigation if scoped else ""

    def is_built(self, name: str) -> bool:
        return self._key(name) in self._cache.built

    def _lock_for(self, key: tuple[str, str]) -> threading.RLock:
        with self._cache.guard:
            return self._cache.locks.setdefault(key, threading.RLock())

    def get(self, name: str) -> Any:
        """Build (once) and return the resource ``name``.

        Raises :class:`ResourceError` wrapping the factory's error; ``error.cause`` is the
        original exception so investigations can match on it. A build in flight (a
        prefetch) is waited for; if it failed, its error is raised here, once: the next
        ``get`` builds again, as after any failure.
        """
        return self._get(name, ahead=False)

    def get_many(self, *names: str) -> tuple[Any, ...]:
        """Build ``names`` side by side; their values in order, or the first error (in the
        order of ``names``) once every build has finished.

        >>> cluster, pools = resources.get_many("cluster", "machine_pools")  # doctest: +SKIP
        """
        # The worker threads inherit the loop check of the factory that asks, if any.
        stack = list(self._stack())
        return self.concurrently(*(partial(self._get_on_stack, n, stack) for n in names))

    def concurrently(self, *calls: Callable[[], Any]) -> tuple[Any, ...]:
        """:func:`cad_core.run.overlap.concurrently`, bounded by this run's ``workers``."""
        return concurrently(*calls, workers=self.workers)

    def prefetch(self, names: Iterable[str]) -> None:
        """Start building ``names`` (and what they need) in the background; never raises.

        Independent builds run side by side on the run's bounded pool; each waits for what
        its ``Resource.needs`` names. Nothing is built twice, and a failure is raised only
        to whoever asks for the resource later (see :meth:`get`).
        """
        if self.workers <= 0:
            return
        with self._cache.guard:
            if self._cache.prefetcher is None:
                self._cache.prefetcher = Prefetcher(self.workers)
            prefetcher = self._cache.prefetcher
        prefetcher.start(self, names)

    def build_ahead(self, name: str) -> bool:
        """Build ``name`` for a prefetch: True when built, False when its error now waits
        for the first asker (or it cannot be built at all, which the asker will hear)."""
        try:
            self._get(name, ahead=True)
        except (ResourceError, BadInputError) as error:
            self.log.debug("building %s ahead failed; it is kept for its asker: %s", name, error)
            return False
        return True

    def _stack(self) -> list[str]:
        stack: list[str] = self._cache.building.__dict__.setdefault("stack", [])
        return stack

    def _get_on_stack(self, name: str, stack: list[str]) -> Any:
        local = self._cache.building.__dict__
        previous = local.get("stack")  # set when this runs inline in the asking thread
        local["stack"] = list(stack)
        try:
            return self.get(name)
        finally:
            local["stack"] = previous if previous is not None else []

    def _get(self, name: str, *, ahead: bool) -> Any:
        key = self._key(name)
        value = self._cache.built.get(key, _MISSING)  # one look: a scope may be closing
        if value is not _MISSING:
            return value
        provider = self._providers.get(name)
        if provider is None:
            available = ", ".join(self.names()) or "none"
            raise BadInputError(
                f"no installed plugin provides the resource {name!r} (available: {available})"
            )
        stack = self._stack()
        if name in stack:
            raise BadInputError(f"resources depend on each other in a loop: {' -> '.join(stack)}")
        with self._lock_for(key):
            value = self._cache.built.get(key, _MISSING)
            if value is not _MISSING:
                return value
            held = self._cache.held.pop(key, None)
            if held is not None:
                if ahead:  # not this builder's to take
                    self._cache.held[key] = held
                raise held
            stack.append(name)
            generation = self._cache.generations.get(key[1], 0)
            try:
                value = provider.factory(self)
            except Exception as error:
                failure = error if isinstance(error, ResourceError) else ResourceError(name, error)
                if ahead and generation == self._cache.generations.get(key[1], 0):
                    self._cache.held[key] = failure
                if failure is error:
                    raise
                raise failure from error
            finally:
                stack.pop()
            keep_built(self._cache, key, value, generation)
            return value

    def close_scope(self, keep: Iterable[str] = ()) -> None:
        """Close this view's investigation-scoped resources in the background, beside its
        plan (:func:`cad_core.run.closing.close_scope`); :meth:`close` waits for that.

        They leave the cache at once, so a later ask builds afresh; ``keep`` (what the
        plan's executors declare) and what it needs stay until the run ends."""
        if self.run.investigation:
            kept = {self._key(name) for name in with_needs(self, keep)}
            close_scope(self._cache, self.run.investigation, self.log, kept)

    def close(self) -> None:
        """Close every built resource that can be closed; errors are logged, not raised.

        Prefetches not yet started are cancelled and those in flight waited for first, then
        the closes :meth:`close_scope` started (:func:`cad_core.run.closing.close_all`)."""
        close_all(self._cache, self.log)


@attrs.define
class InvestigationContext:
    """Handed to ``Investigation.run``."""

    name: str
    cluster_id: str
    resources: Resources
    notes: Notes
    alert: Alert | None = None
    params: Mapping[str, str] = attrs.field(factory=dict)
    dry_run: bool = False
    log: logging.Logger = attrs.field(factory=lambda: logging.getLogger("cad.investigation"))
    # Sends a metric event to every sink; the runner sets it (cad_core.run.metrics, metrics.md).
    emit_metric: Callable[..., None] = attrs.field(default=lambda kind, **labels: None)

    def resource(self, name: str) -> Any:
        return self.resources.get(name)

    def metric(self, kind: str, **labels: str) -> None:
        """Emit a metric event, e.g. ``ctx.metric(SERVICELOG_PREPARED, alert_type=ctx.name)``."""
        self.emit_metric(kind, **labels)

    def resources_many(self, *names: str) -> tuple[Any, ...]:
        """Several resources read side by side (:meth:`Resources.get_many`)."""
        return self.resources.get_many(*names)

    def concurrently(self, *calls: Callable[[], Any]) -> tuple[Any, ...]:
        """Run independent calls side by side; results in order, or the first error."""
        return self.resources.concurrently(*calls)

    @property
    def run(self) -> RunInfo:
        """The run this context belongs to (alert, cluster id, investigation, dry-run)."""
        return self.resources.run


def _plan_view(value: PlanView | Iterable[Action]) -> PlanView:
    return value if isinstance(value, PlanView) else PlanView(tuple(value))


def _deprecated(name: str) -> None:
    warnings.warn(
        f"ExecutionContext.{name} is deprecated: use ctx.plan.{name}",
        DeprecationWarning,
        stacklevel=3,
    )


@attrs.define
class ExecutionContext:
    """Handed to executors: what they need to carry out one plan."""

    cluster_id: str
    resources: Resources
    notes: Notes
    alert: Alert | None = None
    investigation: str = ""
    dry_run: bool = False
    # One run's scratch space, seen by every executor of the run (the core never reads it):
    # plugins key it by their own module names and hold ``shared_lock`` while they change it.
    shared: dict[str, Any] = attrs.field(factory=dict)
    shared_lock: threading.Lock = attrs.field(factory=threading.Lock)
    # The plan being carried out and its progress (:mod:`cad_core.plan.view`); set by the
    # engine. A tuple of actions is accepted (it becomes a view with no progress).
    plan: PlanView = attrs.field(factory=PlanView, converter=_plan_view)
    log: logging.Logger = attrs.field(factory=lambda: logging.getLogger("cad.executor"))
    # ``executor_named(name, type_id)``: the installed executor ``name`` that claims
    # ``type_id``; set by the engine, used by :meth:`delegate`.
    executor_named: Callable[[str, str], Any] | None = None

    def resource(self, name: str) -> Any:
        return self.resources.get(name)

    @property
    def closing_due(self) -> Callable[[Action], bool]:
        """Deprecated: ``ctx.plan.closing_due``."""
        _deprecated("closing_due")
        return self.plan.closing_due

    @property
    def status_of(self) -> Callable[[Action], str | None]:
        """Deprecated: ``ctx.plan.status_of``."""
        _deprecated("status_of")
        return self.plan.status_of

    def delegate(self, action: Action, to: str) -> None:
        """Carry ``action`` out with the installed executor named ``to``, exactly as it
        would (its settings, its request, its errors): how an executor that replaces a
        core one (picked in the routing config's ``executors:``) wraps it, e.g. mirrors
        every incident note to a chat service and still posts it with
        ``ctx.delegate(action, to="pagerduty-note")``."""
        self._executor(to, action).execute(action, self)

    def delegate_check(self, action: Action, to: str) -> str | None:
        """The ``already_applied`` answer of the executor named ``to`` (None if it has no
        check): the read-only half of :meth:`delegate`."""
        check = self._executor(to, action).already_applied
        return check(action, self) if check is not None else None

    def _executor(self, name: str, action: Action) -> Any:
        if self.executor_named is None:
            raise RuntimeError("delegate() works inside a plan the engine carries out")
        return self.executor_named(name, action.type_id)

    @property
    def run(self) -> RunInfo:
        """The run this context belongs to (alert, cluster id, investigation, dry-run)."""
        return self.resources.run
