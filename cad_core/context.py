"""What investigations and executors are handed: the alert, the notes, the resources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from cad_core.errors import BadInputError, ResourceError
from cad_core.notes import Notes

if TYPE_CHECKING:
    from cad_core.actions import Action
    from cad_core.registrations import Resource


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
    """What every view of one run's resources shares: built values and build locks."""

    def __init__(self) -> None:
        self.built: dict[tuple[str, str], object] = {}
        self.locks: dict[tuple[str, str], threading.RLock] = {}
        self.guard = threading.Lock()
        self.building = threading.local()


class Resources:
    """Lazily built, shared resources for one run.

    A successful build is cached for the rest of the run; a failed one is not, so a retried
    investigation builds it again. Builds of one name are serialised; different names
    build concurrently. A resource registered with ``scope="investigation"`` is built once
    per investigation (for example kube-API access whose RBAC is the investigation's own),
    through the view :meth:`scoped` returns.
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
        _cache: _Cache | None = None,
    ) -> None:
        self._providers = dict(providers)
        self.run = run or RunInfo(cluster_id=cluster_id, alert=alert, params=params or {})
        self.log = logger or logging.getLogger("cad.resources")
        self._cache = _cache or _Cache()

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

    @investigation.setter
    def investigation(self, name: str) -> None:
        import warnings

        warnings.warn(
            "setting Resources.investigation is deprecated: use resources.scoped(name)",
            DeprecationWarning,
            stacklevel=2,
        )
        self.run = self.run.for_investigation(name)

    def scoped(self, investigation: str) -> Resources:
        """A view for one investigation: same cache, its own investigation-scoped builds."""
        return Resources(
            self._providers,
            run=self.run.for_investigation(investigation),
            logger=self.log,
            _cache=self._cache,
        )

    def has(self, name: str) -> bool:
        return name in self._providers

    def names(self) -> list[str]:
        return sorted(self._providers)

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
        original exception so investigations can match on it.
        """
        key = self._key(name)
        if key in self._cache.built:
            return self._cache.built[key]
        provider = self._providers.get(name)
        if provider is None:
            available = ", ".join(self.names()) or "none"
            raise BadInputError(
                f"no installed plugin provides the resource {name!r} (available: {available})"
            )
        stack: list[str] = self._cache.building.__dict__.setdefault("stack", [])
        if name in stack:
            raise BadInputError(f"resources depend on each other in a loop: {' -> '.join(stack)}")
        with self._lock_for(key):
            if key in self._cache.built:
                return self._cache.built[key]
            stack.append(name)
            try:
                value = provider.factory(self)
            except ResourceError:
                raise
            except Exception as error:
                raise ResourceError(name, error) from error
            finally:
                stack.pop()
            self._cache.built[key] = value
            return value

    def close(self) -> None:
        """Close every built resource that can be closed; errors are logged, not raised."""
        for (name, _scope), value in reversed(list(self._cache.built.items())):
            closer = getattr(value, "close", None)
            if callable(closer):
                try:
                    closer()
                except Exception as error:  # a cleanup failure must not fail the run
                    self.log.warning("closing resource %s failed: %s", name, error)
        self._cache.built.clear()


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

    def resource(self, name: str) -> Any:
        return self.resources.get(name)

    @property
    def run(self) -> RunInfo:
        """The run this context belongs to (alert, cluster id, investigation, dry-run)."""
        return self.resources.run


@attrs.define
class ExecutionContext:
    """Handed to executors: what they need to carry out one plan."""

    cluster_id: str
    resources: Resources
    notes: Notes
    alert: Alert | None = None
    investigation: str = ""
    dry_run: bool = False
    shared: dict[str, Any] = attrs.field(factory=dict)
    shared_lock: threading.Lock = attrs.field(factory=threading.Lock)
    # The plan being carried out (after policies), so an executor can see what follows.
    plan: tuple[Action, ...] = ()
    # ``closing_due(action)``: True when every other action of the plan has taken effect
    # and only the closing ones (``needs_clean_plan``, e.g. the title) are left, so the
    # executor of ``action`` may carry their change in its own request. Set by the engine.
    closing_due: Callable[[Action], bool] = attrs.field(default=lambda _action: False)
    log: logging.Logger = attrs.field(factory=lambda: logging.getLogger("cad.executor"))

    def resource(self, name: str) -> Any:
        return self.resources.get(name)

    @property
    def run(self) -> RunInfo:
        """The run this context belongs to (alert, cluster id, investigation, dry-run)."""
        return self.resources.run
