"""The error kinds every part of CAD speaks.

Two families matter to the engine and the runner:

* errors an *executor* raises: :class:`TransientError` (retried by the engine, may carry
  a server-given ``retry_after``), :class:`PermanentError` (fails at once) and
  :class:`ActionSkipped` (the write turned out to be unnecessary, e.g. the incident is
  already resolved);
* errors an *investigation* raises: :class:`InfrastructureError` (transient, the runner
  retries the investigation) and :class:`FindingError` (a fact about the cluster to report).

:class:`BadInputError` is anything a user must fix (payload, config, flags, plugins);
the CLI prints its message on one line and exits 2.
"""

from __future__ import annotations

from collections.abc import Iterable


class CadError(Exception):
    """Base class of every error CAD raises on purpose."""


class BadInputError(CadError):
    """Input a person must fix; reported as one line with exit code 2."""


class MissingSettingError(BadInputError):
    """One or more required environment settings are absent."""

    def __init__(self, names: Iterable[str], purpose: str = "") -> None:
        self.names = tuple(names)
        what = f" ({purpose})" if purpose else ""
        super().__init__(
            f"missing required setting{'s' if len(self.names) > 1 else ''}{what}: "
            f"{', '.join(self.names)}; export {'them' if len(self.names) > 1 else 'it'} "
            "and run again"
        )


class ActionValidationError(CadError, ValueError):
    """A planned action is invalid; the plan is rejected before anything runs."""


class TransientError(CadError):
    """A failure worth retrying: connection errors, timeouts, HTTP 429 and 5xx.

    ``retry_after`` is the delay in seconds the server asked for (``Retry-After``,
    ``ratelimit-reset``), or ``None`` to let the engine choose.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(CadError):
    """A failure that retrying cannot fix (bad credentials, rejected input)."""


class NotFoundError(PermanentError):
    """The remote object does not exist."""


class ActionSkipped(CadError):
    """Raised by an executor when the write is unnecessary; reported as skipped_duplicate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvestigationError(CadError):
    """Common base of the two errors an investigation may raise on purpose."""

    label = "investigation error"

    def __init__(self, message: str, context: str = "") -> None:
        self.context = context
        self.detail = message
        prefix = f"{self.label} ({context})" if context else self.label
        super().__init__(f"{prefix}: {message}")


class InfrastructureError(InvestigationError):
    """A transient failure while investigating; the runner retries the investigation."""

    label = "infrastructure error"


class FindingError(InvestigationError):
    """Something found about the cluster that ends the investigation early."""

    label = "finding"


class ResourceError(CadError):
    """A resource could not be built. ``cause`` keeps the original error for matching."""

    def __init__(self, name: str, cause: BaseException) -> None:
        self.name = name
        self.cause = cause
        super().__init__(f"resource {name!r} could not be built: {cause}")


TRANSIENT: tuple[type[BaseException], ...] = (TransientError, ConnectionError, TimeoutError)


def retryable(error: BaseException) -> bool:
    """The one retry classification, used by the runner and the engine alike.

    Transient errors (and an investigation's :class:`InfrastructureError`) are worth
    another try; a resource that failed to build is retryable when its cause was.
    """
    if isinstance(error, ResourceError):
        return retryable(error.cause)
    return isinstance(error, (InfrastructureError, *TRANSIENT))


def one_line(error: BaseException) -> str:
    """Render an error as a single line for people (no traceback, no newlines)."""
    text = str(error) or type(error).__name__
    return " ".join(text.split())
