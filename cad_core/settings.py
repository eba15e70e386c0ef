"""Run settings from the environment, each with a sensible default and a clear error."""

from __future__ import annotations

import math
import os

import attrs

from cad_core.engine.retry import RetryPolicy
from cad_core.errors import BadInputError


def number_setting(
    name: str, default: float, minimum: float = 0.0, *, above_minimum: bool = False
) -> float:
    """A numeric environment setting; anything else is one clear BadInputError naming it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadInputError(f"{name}={raw!r} is not a number") from None
    too_low = value <= minimum if above_minimum else value < minimum
    if not math.isfinite(value) or too_low:
        bound = f"more than {minimum:g}" if above_minimum else f"at least {minimum:g}"
        raise BadInputError(f"{name}={raw!r} must be {bound}")
    return value


@attrs.frozen
class RunSettings:
    """Budgets for one run. All come from ``CAD_*`` variables (see docs/configuration.md)."""

    retry: RetryPolicy = RetryPolicy()
    investigation_attempts: int = 4
    investigation_delay: float = 1.0  # 1 s, 2 s, 4 s, ... capped at 10 s, as upstream
    investigation_delay_cap: float = 10.0
    workers: int = 4
    escalation_deadline: float = 60.0  # a budget of its own: retries elsewhere cannot spend it
    prefetch_workers: int = 8  # reads in flight together; 0: no prefetch, reads one by one
    # Reading the alert has a budget of its own: a short outage of the incident system
    # there would otherwise end the run before anything is known (nobody is paged).
    alert_read: RetryPolicy = RetryPolicy(max_attempts=8, deadline=90.0)

    @classmethod
    def from_env(cls) -> RunSettings:
        retry = RetryPolicy(
            max_attempts=int(number_setting("CAD_RETRY_MAX_ATTEMPTS", 4, 1)),
            base_delay=number_setting("CAD_RETRY_BASE_DELAY", 1.0),
            max_delay=number_setting("CAD_RETRY_MAX_DELAY", 30.0),
            deadline=number_setting("CAD_RUN_DEADLINE_SECONDS", 120.0, 1),
        )
        alert_read = attrs.evolve(
            retry,
            max_attempts=int(number_setting("CAD_ALERT_READ_ATTEMPTS", 8, 1)),
            deadline=number_setting("CAD_ALERT_READ_DEADLINE_SECONDS", 90.0, 1),
        )
        return cls(
            retry=retry,
            alert_read=alert_read,
            investigation_attempts=int(number_setting("CAD_INVESTIGATION_ATTEMPTS", 4, 1)),
            investigation_delay=number_setting("CAD_INVESTIGATION_RETRY_DELAY", 1.0),
            workers=int(number_setting("CAD_MAX_PARALLEL_ACTIONS", 4, 1)),
            escalation_deadline=number_setting("CAD_ESCALATION_DEADLINE_SECONDS", 60.0, 1),
            prefetch_workers=int(number_setting("CAD_PREFETCH_WORKERS", 8, 0)),
        )
