"""Reads that overlap: ``concurrently(...)`` and the run's resource prefetcher.

A run mostly waits on the network. Reads that do not depend on each other (the cluster's
deployment, its machine pools, the cloud credentials) can be in flight together; this
module runs them on bounded thread pools. Errors keep their meaning: ``concurrently``
waits for every call and raises the first failure in the order the calls were given, and
the prefetcher never raises at all (a failed build waits in the run's resources for the
first asker, see :meth:`cad_core.run.context.Resources.get`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cad_core.run.context import Resources

log = logging.getLogger("cad.overlap")
DEFAULT_WORKERS = 8  # enough for one run's independent reads; CAD_PREFETCH_WORKERS sets it

Key = tuple[str, str]


def concurrently(*calls: Callable[[], Any], workers: int = DEFAULT_WORKERS) -> tuple[Any, ...]:
    """Run ``calls`` side by side; return their results in the order given.

    Every call finishes (none is abandoned mid-request) before the first failure, in the
    order of ``calls``, is raised as it is. ``workers`` bounds the threads; ``1`` or less
    runs the calls one after another in this thread, stopping at the first failure.

    >>> concurrently(lambda: 1, lambda: 2)
    (1, 2)
    """
    if len(calls) <= 1 or workers <= 1:
        return tuple(call() for call in calls)
    with ThreadPoolExecutor(min(workers, len(calls)), thread_name_prefix="cad-overlap") as pool:
        futures = [pool.submit(call) for call in calls]
    for future in futures:  # the pool's exit waited for all of them
        error = future.exception()
        if error is not None:
            raise error
    return tuple(future.result() for future in futures)


class Prefetcher:
    """Builds resources ahead of use, each after what it ``needs``, on a bounded pool.

    One per run (kept in the run's resource cache). A resource whose need failed is not
    prefetched: it is built on demand, exactly as without prefetching.
    """

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="cad-prefetch")
        self._lock = threading.Lock()
        self._state: dict[Key, str] = {}  # waiting | running | done | failed
        self._waiting: dict[Key, tuple[Resources, str, set[Key]]] = {}
        self._futures: dict[Key, Future[None]] = {}
        self._closed = False
        self._closed_scopes: set[str] = set()  # investigations whose resources are closed

    def start(self, view: Resources, names: Iterable[str]) -> None:
        """Start building ``names`` (and what they need) through ``view``; never raises."""
        with self._lock:
            if self._closed:
                return
            for name in _with_needs_first(view, names):
                self._schedule(view, name)

    def _schedule(self, view: Resources, name: str) -> None:
        key = view.key_of(name)
        if key in self._state or key[1] in self._closed_scopes or view.is_built(name):
            return
        # A need built since (on demand, even after a failed try ahead) is satisfied.
        needs = {view.key_of(n) for n in view.needs_of(name) if not view.is_built(n)}
        if any(self._state.get(k) == "failed" for k in needs):
            self._state[key] = "failed"  # left for the asker to build
            return
        pending = {k for k in needs if self._state.get(k) in ("waiting", "running")}
        if pending:
            self._state[key] = "waiting"
            self._waiting[key] = (view, name, pending)
        else:
            self._submit(key, view, name)

    def _submit(self, key: Key, view: Resources, name: str) -> None:
        self._state[key] = "running"
        self._futures[key] = self._pool.submit(self._build, key, view, name)

    def _build(self, key: Key, view: Resources, name: str) -> None:
        ok = False
        try:
            # A build for an investigation already over would open what nobody uses (no
            # lock: one that starts just before the scope ends is waited for, end_scope).
            ok = False if key[1] in self._closed_scopes else view.build_ahead(name)
        finally:  # even on a surprise, dependents must not wait forever
            with self._lock:
                self._settle(key, ok)

    def _settle(self, key: Key, ok: bool) -> None:
        self._state[key] = "done" if ok else "failed"
        for other, (view, name, pending) in list(self._waiting.items()):
            if key not in pending or other not in self._waiting:  # settled by a recursion
                continue
            pending.discard(key)
            if not ok:
                del self._waiting[other]
                self._settle(other, False)  # and so on down the chain of dependents
            elif not pending:
                del self._waiting[other]
                if not self._closed:
                    self._submit(other, view, name)

    def end_scope(self, scope: str) -> list[Future[None]]:
        """Start nothing more for the investigation ``scope``; its builds still in flight
        (which may hold its resources, to be waited for before they are closed)."""
        with self._lock:
            self._closed_scopes.add(scope)
            for key in [k for k in self._waiting if k[1] == scope]:
                if self._waiting.pop(key, None) is not None:  # (a recursion may settle it)
                    self._settle(key, False)  # left for an asker, as after a failure
            return [f for k, f in self._futures.items() if k[1] == scope and not f.done()]

    def close(self) -> None:
        """Cancel what has not started and wait for the builds in flight."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def _with_needs_first(view: Resources, names: Iterable[str]) -> list[str]:
    """``names`` and everything they need, each need before its dependents (loops cut)."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or not view.has(name):
            return
        seen.add(name)
        for need in view.needs_of(name):
            visit(need)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered
