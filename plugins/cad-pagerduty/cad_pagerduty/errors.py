"""Turning PagerDuty replies and client failures into the core's typed errors.

Classification goes by exception type and HTTP status, never by message text. The one
exception is PagerDuty's documented error string for an incident that is already
resolved, which is the only way its API tells that case apart from other bad input.
"""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING, Any

from cad_core.errors import (
    ActionSkipped,
    BadInputError,
    CadError,
    NotFoundError,
    PermanentError,
    TransientError,
)
from cad_pagerduty import settings

if TYPE_CHECKING:
    import httpx2

ALREADY_RESOLVED = "Incident Already Resolved"  # PagerDuty's documented error string
RESOLVED_REASON = "the incident is already resolved"


class ClusterIdNotFoundError(BadInputError):
    """The incident's alerts do not say which cluster they are about."""


def retry_after(headers: httpx2.Headers) -> float | None:
    """Seconds to wait, from PagerDuty's ``ratelimit-reset`` or a standard ``Retry-After``."""
    reset = _seconds(headers.get("ratelimit-reset"))
    if reset is not None:
        return reset
    raw = headers.get("retry-after")
    seconds = _seconds(raw)
    if seconds is not None or not raw:
        return seconds
    try:  # Retry-After may also be an HTTP date
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - time.time())


def _seconds(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return max(0.0, value) if value is not None else None


def error_body(response: httpx2.Response) -> tuple[str, list[str]]:
    """PagerDuty's ``error.message`` and ``error.errors``; empty when the body has none."""
    try:
        body: Any = response.json()
    except ValueError:
        return "", []
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", []
    message = error.get("message")
    errors = error.get("errors")
    return (
        message if isinstance(message, str) else "",
        [str(e) for e in errors] if isinstance(errors, list) else [],
    )


def _detail(response: httpx2.Response) -> str:
    message, errors = error_body(response)
    parts = [p for p in (message, "; ".join(errors)) if p]
    return f": {' - '.join(parts)}" if parts else ""


def from_response(response: httpx2.Response, what: str, incident_id: str) -> CadError:
    """The error for a non-2xx reply to ``what`` (e.g. ``GET /incidents/Q1``)."""
    status = response.status_code
    if status == 429 or status >= 500:
        kind = "rate limit reached" if status == 429 else "server error"
        return TransientError(
            f"PagerDuty {kind} on {what} (HTTP {status}){_detail(response)}",
            retry_after=retry_after(response.headers),
        )
    if status == 401:
        return PermanentError(
            f"PagerDuty rejected {settings.TOKEN} on {what} (HTTP 401): check that the key is "
            f"valid, not revoked, and belongs to the account at {settings.base_url()}"
        )
    if status == 403:
        return PermanentError(
            f"PagerDuty refused {what} (HTTP 403): the key in {settings.TOKEN} lacks the "
            f"permission for it{_detail(response)}"
        )
    if status == 404:
        return NotFoundError(f"PagerDuty incident {incident_id} not found ({what}: HTTP 404)")
    if status == 400 and _says_resolved(response):
        return ActionSkipped(RESOLVED_REASON)
    return PermanentError(f"PagerDuty rejected {what} (HTTP {status}){_detail(response)}")


def _says_resolved(response: httpx2.Response) -> bool:
    _message, errors = error_body(response)
    return ALREADY_RESOLVED in errors


def from_exception(error: Exception, what: str, incident_id: str) -> CadError:
    """The error for an exception the ``pagerduty`` client (or httpx2 under it) raised."""
    import httpx2
    import pagerduty

    response = getattr(error, "response", None)
    if isinstance(error, pagerduty.Error) and response is not None:
        # The client raises on 401 itself (and on redirects); classify by the reply.
        if response.status_code // 100 == 3:
            return PermanentError(
                f"PagerDuty answered {what} with a redirect (HTTP {response.status_code}); "
                f"check {settings.URL}"
            )
        return from_response(response, what, incident_id)
    cause = error if isinstance(error, httpx2.HTTPError) else error.__cause__
    if isinstance(cause, httpx2.TransportError):  # includes timeouts
        return TransientError(f"could not reach PagerDuty for {what}: {_describe(cause)}")
    if isinstance(error, pagerduty.UrlError):
        return BadInputError(f"{settings.URL} is not usable: {error}")
    return PermanentError(f"PagerDuty request {what} failed: {_describe(error)}")


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    name = type(error).__name__
    return f"{name}: {text}" if text else name
