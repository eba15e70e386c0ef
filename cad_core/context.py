"""What investigations and executors are handed: the alert, the notes, the resources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from cad_core.errors import BadInputError, ResourceError
from cad_core.notes import Notes

if TYPE_CHECKING:
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

    def to_record(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "title": self.title,
            "cluster_id": self.cluster_id,
            "service_id": self.service_id,
            "service_name": self.service_name,
            "url": self.url,
        }


class Resources:
    """Lazily built, shared resources for one run.

    A successful build is cached for the rest of the run; a failed one is not, so a retried
    investigation builds it again. Builds of one name are serialised; different names
    build concurrently.
    """

    def __init__(
        self,
        providers: Mapping[str, Resource],
        *,
        cluster_id: str = "",
        alert: Alert | None = None,
        params: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._providers = dict(providers)
        self.cluster_id = cluster_id
        self.alert = alert
        self.params: Mapping[str, str] = dict(params or {})
        self.log = logger or logging.getLogger("cad.resources")
        self.investigation = ""
        self._built: dict[str, object] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._building = threading.local()

    def has(self, name: str) -> bool:
        return name in self._providers

    def names(self) -> list[str]:
        return sorted(self._providers)

    def is_built(self, name: str) -> bool:
        return name in self._built

    def _lock_for(self, name: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(name, threading.RLock())

    def get(self, name: str) -> Any:
        """Build (once) and return the resource ``name``.

        Raises :class:`ResourceError` wrapping the factory's error; ``error.cause`` is the
        original exception so investigations can match on it.
        """
        if name in self._built:
            return self._built[name]
        provider = self._providers.get(name)
        if provider is None:
            available = ", ".join(self.names()) or "none"
            raise BadInputError(
                f"no installed plugin provides the resource {name!r} (available: {available})"
            )
        stack: list[str] = self._building.__dict__.setdefault("stack", [])
        if name in stack:
            raise BadInputError(f"resources depend on each other in a loop: {' -> '.join(stack)}")
        with self._lock_for(name):
            if name in self._built:
                return self._built[name]
            stack.append(name)
            try:
                value = provider.factory(self)
            except ResourceError:
                raise
            except Exception as error:
                raise ResourceError(name, error) from error
            finally:
                stack.pop()
            self._built[name] = value
            return value

    def close(self) -> None:
        """Close every built resource that can be closed; errors are logged, not raised."""
        for name, value in reversed(list(self._built.items())):
            closer = getattr(value, "close", None)
            if callable(closer):
                try:
                    closer()
                except Exception as error:  # a cleanup failure must not fail the run
                    self.log.warning("closing resource %s failed: %s", name, error)
        self._built.clear()


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
    log: logging.Logger = attrs.field(factory=lambda: logging.getLogger("cad.executor"))

    def resource(self, name: str) -> Any:
        return self.resources.get(name)
