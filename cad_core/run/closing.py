"""Closing what a run built: an investigation's own resources beside its plan, the rest last.

A ``scope="investigation"`` resource (``kube``: a backplane remediation, a service
account with RBAC on the customer's cluster) is the investigation's alone. Once the
investigation has returned (after its retries) nothing of it needs the resource any
more, so its deletion need not wait for the plan: it runs in a background thread while
the plan is carried out (upstream deletes it after the plan: docs/upstream.md). The
entries leave the run's cache before the plan starts, so an executor that asks for one
afterwards builds it afresh (closed at the end of the run), unless it declares it
(``ActionExecutor.resources``: then it stays), and no request ever goes out through a
closed one. The run's end waits for every such close (:meth:`ScopeClosing.finish`),
also after SIGTERM.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import Future, wait
from typing import TYPE_CHECKING

from cad_core.run.shutdown import shielded

if TYPE_CHECKING:
    from cad_core.run.context import Resources, _Cache

Built = tuple[str, object]  # a resource's name and its value
Key = tuple[str, str]  # a resource's name and its investigation (the cache's key)


def close_values(values: Iterable[Built], log: logging.Logger) -> None:
    """Close each value that can be closed, in the order given; errors are logged."""
    for name, value in values:
        closer = getattr(value, "close", None)
        if callable(closer):
            try:
                closer()
            except Exception as error:  # a cleanup failure must not fail the run
                log.warning("closing resource %s failed: %s", name, error)


class ScopeClosing:
    """One investigation's resources, closed in a thread of their own.

    The values (in reversed build order) are closed once the reads still in flight for
    the investigation (``in_flight``: builds ahead that may hold them) have finished.
    """

    def __init__(self, scope: str, log: logging.Logger) -> None:
        self.scope = scope
        self.log = log
        self._values: list[Built] = []
        self._in_flight: list[Future[None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, values: Sequence[Built], in_flight: Sequence[Future[None]]) -> None:
        """What to close, before :meth:`start` (kept here, so an interrupted start loses
        nothing: :meth:`finish` closes what no thread has taken)."""
        with self._lock:
            self._values.extend(values)
            self._in_flight.extend(in_flight)

    def start(self) -> None:
        if not self._values:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"cad-close-{self.scope}", daemon=False
        )
        self._thread.start()
        self.log.debug("closing the resources of %s beside its plan", self.scope)

    def _run(self) -> None:
        wait(self._in_flight)
        close_values(self._take(), self.log)

    def _take(self) -> list[Built]:
        with self._lock:
            values, self._values = self._values, []
        return values

    def finish(self) -> None:
        """Wait for the close in flight; close what it never took (it did not start)."""
        if self._thread is not None:
            self._thread.join()
        close_values(self._take(), self.log)


def with_needs(view: Resources, names: Iterable[str]) -> set[str]:
    """``names`` and everything they need, as far as they are provided."""
    found: set[str] = set()
    todo = [name for name in names if view.has(name)]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(view.needs_of(name))
    return found


def close_scope(cache: _Cache, scope: str, log: logging.Logger, kept: Collection[Key] = ()) -> None:
    """Take the investigation ``scope``'s resources (but ``kept``) out of ``cache`` and
    close them in the background, once the reads ahead still in flight for it have
    finished (none starts any more). A failure kept for an asker goes too: a later ask
    builds afresh."""
    closing = ScopeClosing(scope, log)
    with shielded():  # a SIGTERM waits: a value taken out of the cache must reach closing
        with cache.guard:
            cache.closings.append(closing)  # the run's end finds it, whatever happens next
            prefetcher = cache.prefetcher
        in_flight = prefetcher.end_scope(scope) if prefetcher is not None else []
        with cache.guard:  # list(): builds in other threads may add entries meanwhile
            cache.generations[scope] = cache.generations.get(scope, 0) + 1  # see keep_built
            keys = [key for key in list(cache.built) if key[1] == scope and key not in kept]
            closing.add([(key[0], cache.built.pop(key)) for key in reversed(keys)], in_flight)
            for key in [key for key in list(cache.held) if key[1] == scope]:
                cache.held.pop(key, None)
        closing.start()


def keep_built(cache: _Cache, key: Key, value: object, generation: int) -> None:
    """Cache a finished build, unless its investigation's resources were taken while it
    was under way (a read ahead): it may hold one of them, so it is closed with them
    instead, never handed out again."""
    with cache.guard:
        taken = bool(key[1]) and cache.generations.get(key[1], 0) != generation
        closing = next((c for c in reversed(cache.closings) if c.scope == key[1]), None)
        if not taken or closing is None:  # (none: the run's end closes what is cached)
            cache.built[key] = value
            return
    closing.add([(key[0], value)], [])


def close_all(cache: _Cache, log: logging.Logger) -> None:
    """The run's end: cancel reads ahead not started and wait for those in flight, wait for
    every investigation's close, then close what is left in reversed build order."""
    prefetcher, cache.prefetcher = cache.prefetcher, None
    if prefetcher is not None:
        prefetcher.close()
    while cache.closings:
        cache.closings.pop(0).finish()
    cache.held.clear()
    built = [(name, value) for (name, _scope), value in list(cache.built.items())]
    close_values(reversed(built), log)
    cache.built.clear()
