"""The one retry layer: exponential backoff with jitter, server delays, a run deadline.

Client libraries' own loops are bounded or off, so a transient failure reaches this
layer after a single request and is retried here, visibly, under one budget.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs

from cad_core.errors import TRANSIENT, ResourceError, retryable

log = logging.getLogger("cad.retry")
T = TypeVar("T")

__all__ = ["TRANSIENT", "Deadline", "RetryPolicy", "call_with_retry"]


@attrs.frozen
class RetryPolicy:
    """``max_attempts`` per action; ``deadline`` seconds for the whole run."""

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    deadline: float = 120.0


class Deadline:
    """A point in time shared by every action of one run."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())


def _server_delay(error: BaseException) -> float | None:
    if isinstance(error, ResourceError):
        return _server_delay(error.cause)
    delay = getattr(error, "retry_after", None)
    return float(delay) if delay is not None else None


def _delays(policy: RetryPolicy) -> Generator[float, BaseException, None]:
    """backoff wait generator: the server's delay when given, else jittered exponential."""
    error = yield 0.0  # primed by backoff
    attempt = 0
    while True:
        server = _server_delay(error)
        if server is not None:
            delay = server
        else:
            ceiling = min(policy.max_delay, policy.base_delay * 2**attempt)
            delay = random.uniform(ceiling / 2, ceiling)  # "equal jitter": never near zero
        attempt += 1
        error = yield delay


def call_with_retry(
    func: Callable[[], T],
    policy: RetryPolicy,
    deadline: Deadline,
    what: str,
    on_attempt: Callable[[int], None] = lambda n: None,
) -> T:
    """Call ``func`` until it succeeds, fails permanently, or the budget runs out."""

    def give_up(error: BaseException) -> bool:
        if not retryable(error):
            return True
        server = _server_delay(error)
        return server is not None and server > deadline.remaining()

    def progress(details: Any) -> None:
        log.warning(
            "%s failed (attempt %d): %s; retrying in %.1fs",
            what,
            details["tries"],
            details["exception"],
            details["wait"],
        )

    import backoff  # here, not at module level: it imports asyncio, which few runs need

    @backoff.on_exception(  # backoff's stubs predate wait generators that receive errors
        _delays,  # type: ignore[arg-type]
        Exception,
        max_tries=policy.max_attempts,
        max_time=deadline.remaining,
        jitter=None,
        giveup=give_up,
        on_backoff=progress,
        logger=None,
        policy=policy,
    )
    def attempt() -> T:
        attempt.count += 1  # type: ignore[attr-defined]
        on_attempt(attempt.count)  # type: ignore[attr-defined]
        return func()

    attempt.count = 0  # type: ignore[attr-defined]
    return attempt()
