"""Deliveries: replays of one webhook start at most one run, and slow work leaves the request.

Each verified delivery is named by a key that comes from *signed* content: the alert
source's delivery id, which it must read from the signed body (PagerDuty: ``event.id``),
or else the SHA-256 of the body. A header the signature does not cover never names a
delivery (issue 22.6: a captured body replayed with a fresh ``X-Webhook-Id`` each time
started 10 runs out of 10).

The first request of a key submits the work (claim the key in the durable store, then
parse, route, maybe escalate) to a small, bounded pool; every request of that key, the
first included, waits for that one result for a short while. Only one of them is ever told
to continue (start a run); the others are told the webhook was already handled. A key
whose work failed transiently is forgotten, so the sender's retry is treated as new.

The window slides per key: a key is remembered until ``window`` seconds after it was last
seen, and never forgotten while its work runs. The store is bounded by time, not by a count
that would evict live keys (issue 22.6: past 10,000 keys the oldest were evicted and their
replays worked again). ``max_keys`` is only a memory guard: when that many keys are live, a
*new* delivery is refused with 503 (the sender retries later) and counted; nothing live is
ever dropped.

The memory here covers one process. A :class:`~cad_core.run.claims.ClaimStore` (kept by the
lock provider: a folder in ``CAD_STATE_DIR``, or Kubernetes Leases) makes the window survive
a restart and, with Leases, span replicas.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs
from cad_core.errors import TransientError, one_line
from cad_core.run.claims import ClaimStore

from cad_interceptor.http import HttpError

Answer = dict[str, Any]
log = logging.getLogger("cad.interceptor")

# The answer of work that found its key claimed already (before a restart, or by a replica).
CLAIMED_BEFORE: Answer = {"continue": False, "status": {}}


def _settled(answer: Answer) -> Future[Answer]:
    future: Future[Answer] = Future()
    future.set_result(answer)
    return future


# Replaces a delivery's future once its one "continue" is handed out, so the window keeps
# a few hundred bytes per key, not the payload the answer carried.
_HANDLED = _settled({"continue": False, "status": {}})


def delivery_key(source: str, delivery_id: str, body: bytes) -> str:
    if delivery_id:
        return f"{source}:id:{delivery_id}"
    return f"{source}:sha256:{hashlib.sha256(body).hexdigest()}"


@attrs.define
class _Delivery:
    future: Future[Answer]
    expires: float
    stored: float  # when the durable claim was last written (its window slides too)
    continued: bool = False  # a "continue" answer was handed out: never hand out another


class Deliveries:
    """The replay window and the worker pool that does the slow part of a request."""

    def __init__(
        self,
        window_seconds: float = 600.0,
        workers: int = 2,
        queue: int = 16,
        max_keys: int = 50_000,
        claims: ClaimStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_full: Callable[[], None] = lambda: None,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("the replay window must be positive")
        self.window, self.max_keys, self.clock = window_seconds, max_keys, clock
        self.claims, self.on_full = claims, on_full
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cad-delivery")
        self.slots = threading.BoundedSemaphore(workers + queue)
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, _Delivery] = OrderedDict()  # oldest expiry first

    def submit(self, key: str, work: Callable[[], Answer]) -> tuple[Future[Answer], bool]:
        """The future of this key's work, and whether this call started it."""
        with self._lock:
            self._expire()
            known = self._seen.get(key)
            if known is not None:
                self._touch(key, known)
                return known.future, False
            if len(self._seen) >= self.max_keys:
                self.on_full()
                raise HttpError(
                    "503 Service Unavailable",
                    "replay store full",
                    f"{self.max_keys} deliveries are remembered; retry later",
                    (("Retry-After", "60"),),
                )
            if not self.slots.acquire(blocking=False):
                raise HttpError(
                    "503 Service Unavailable",
                    "busy",
                    "too many webhooks are being handled; retry later",
                    (("Retry-After", "5"),),
                )
            future = self.pool.submit(self._claimed_work, key, work)
            future.add_done_callback(lambda _f: self.slots.release())
            now = self.clock()
            self._seen[key] = _Delivery(future, now + self.window, now)
            return future, True

    def _claimed_work(self, key: str, work: Callable[[], Answer]) -> Answer:
        if self.claims is not None:
            try:
                claimed = self.claims.claim(key, self.window)
            except Exception as error:  # unknown whether it was seen: the sender retries
                raise TransientError(
                    f"the replay window ({self.claims.where}) cannot be read: {one_line(error)}"
                ) from None
            if not claimed:
                log.info(
                    "webhook %s was handled before (%s): no second run", key, self.claims.where
                )
                return CLAIMED_BEFORE
        return work()

    def _touch(self, key: str, known: _Delivery) -> None:
        """A replay: the key's window starts again (called with the lock held)."""
        now = self.clock()
        known.expires = now + self.window
        self._seen.move_to_end(key)  # expiries stay in order: each is last-seen + window
        if self.claims is not None and known.future.done() and now - known.stored > self.window / 4:
            known.stored = now  # the durable claim slides too, at most 4 writes per window
            self.pool.submit(self._slide, key)

    def _slide(self, key: str) -> None:
        try:
            assert self.claims is not None
            self.claims.claim(key, self.window)
        except Exception as error:  # the claim still lives out its last window
            log.warning("could not extend the replay claim of %s: %s", key, one_line(error))

    def claim_continue(self, key: str) -> bool:
        """True exactly once per key: the one request allowed to start a run."""
        with self._lock:
            known = self._seen.get(key)
            if known is None or known.continued:
                return False
            known.continued = True
            known.future = _HANDLED
            return True

    def forget(self, key: str) -> None:
        """Drop a key whose work failed transiently, so a redelivery is handled anew."""
        with self._lock:
            self._seen.pop(key, None)
        if self.claims is not None:
            try:
                self.claims.release(key)
            except Exception as error:  # the redelivery then waits for the claim to expire
                log.error("could not release the replay claim of %s: %s", key, one_line(error))

    def live(self) -> int:
        with self._lock:
            return len(self._seen)

    def _expire(self) -> None:
        now = self.clock()
        while self._seen:
            key, oldest = next(iter(self._seen.items()))
            if oldest.expires > now or not oldest.future.done():
                break  # still in its window, or still running: its replays must find it
            del self._seen[key]

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
