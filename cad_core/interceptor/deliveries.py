"""Deliveries: replays of one webhook start at most one run, and slow work leaves the request.

Each verified delivery is keyed by the alert source's delivery id (e.g. PagerDuty's
``X-Webhook-Id``, which repeats on every redelivery) or else by the body's SHA-256. The
first request of a key submits the work (parse, route, maybe escalate) to a small,
bounded pool; every request of that key, the first included, waits for that one result
for a short while. Only one of them is ever told to continue (start a run); the others
are told the webhook was already handled. A key whose work failed transiently is
forgotten, so the sender's retry is treated as new.

The store is in memory: it covers one replica. Across replicas, see docs/kubernetes.md.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs

from cad_core.interceptor.http import HttpError

Answer = dict[str, Any]


def delivery_key(source: str, delivery_id: str, body: bytes) -> str:
    if delivery_id:
        return f"{source}:id:{delivery_id}"
    return f"{source}:sha256:{hashlib.sha256(body).hexdigest()}"


@attrs.define
class _Delivery:
    future: Future[Answer]
    expires: float
    continued: bool = False  # a "continue" answer was handed out: never hand out another


class Deliveries:
    """The replay window and the worker pool that does the slow part of a request."""

    def __init__(
        self,
        window_seconds: float = 600.0,
        workers: int = 2,
        queue: int = 16,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window, self.max_keys, self.clock = window_seconds, max_keys, clock
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cad-delivery")
        self.slots = threading.BoundedSemaphore(workers + queue)
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, _Delivery] = OrderedDict()

    def submit(self, key: str, work: Callable[[], Answer]) -> tuple[Future[Answer], bool]:
        """The future of this key's work, and whether this call started it."""
        with self._lock:
            self._expire()
            known = self._seen.get(key)
            if known is not None:
                return known.future, False
            if not self.slots.acquire(blocking=False):
                raise HttpError(
                    "503 Service Unavailable",
                    "busy",
                    "too many webhooks are being handled; retry later",
                    (("Retry-After", "5"),),
                )
            future = self.pool.submit(work)
            future.add_done_callback(lambda _f: self.slots.release())
            self._seen[key] = _Delivery(future, self.clock() + self.window)
            return future, True

    def claim_continue(self, key: str) -> bool:
        """True exactly once per key: the one request allowed to start a run."""
        with self._lock:
            known = self._seen.get(key)
            if known is None or known.continued:
                return False
            known.continued = True
            return True

    def forget(self, key: str) -> None:
        """Drop a key whose work failed transiently, so a redelivery is handled anew."""
        with self._lock:
            self._seen.pop(key, None)

    def _expire(self) -> None:
        now = self.clock()
        while self._seen:
            key, oldest = next(iter(self._seen.items()))
            if oldest.expires > now and len(self._seen) < self.max_keys:
                break
            if not oldest.future.done() and len(self._seen) < self.max_keys:
                break  # still running: its replays must keep finding it
            del self._seen[key]

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
