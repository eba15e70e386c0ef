"""One HTTP session for plugin authors: timeouts, the trust bundle and CAD's retry rules.

``cad_core.http.session(base_url)`` returns a :class:`requests.Session` whose every call

* has a timeout (10 s unless the call or ``session(timeout=...)`` says otherwise);
* trusts ``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE`` (the sandbox sets both), else the
  system's bundle;
* turns failures into the typed errors the engine classifies with
  :func:`cad_core.errors.retryable`: a connection error (refused, reset, cut off mid-answer)
  or a timeout, HTTP 429 and 5xx are :class:`~cad_core.errors.TransientError` (with the
  server's ``Retry-After``), 404 is :class:`~cad_core.errors.NotFoundError`, any other 4xx
  a :class:`~cad_core.errors.PermanentError`;
* never retries by itself: the engine is the one retry layer, and it asks the executor's
  ``already_applied`` before each retry, so a write whose answer was lost is not repeated.

``requests`` is imported when the first session is made, not with this module, so a
plugin module may import this at its top and `cad --help` stays fast.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from cad_core.errors import NotFoundError, PermanentError, TransientError

if TYPE_CHECKING:
    import requests

__all__ = ["TIMEOUT", "check_response", "session"]
TIMEOUT = 10.0


def session(base_url: str = "", *, timeout: float = TIMEOUT) -> requests.Session:
    """A session for one service; paths (``"/tickets"``) are joined to ``base_url``."""
    made: requests.Session = _session_class()(base_url, timeout)
    return made


def check_response(response: requests.Response) -> None:
    """Raise the typed error an error reply means; nothing on success."""
    status = response.status_code
    if status < 400:
        return
    what = f"{response.request.method} {response.url} answered HTTP {status}"
    if status == 429 or status >= 500:
        raise TransientError(what, retry_after=_retry_after(response))
    if status == 404:
        raise NotFoundError(what)
    raise PermanentError(what)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: let the engine choose the delay
        return None


def _trust() -> str | bool:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True


@functools.cache
def _session_class() -> Any:
    import requests

    transport_errors = (
        requests.ConnectionError,  # refused or reset while connecting or sending
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,  # reset while the answer was read
    )

    class CadSession(requests.Session):
        def __init__(self, base_url: str, timeout: float) -> None:
            super().__init__()
            self.base_url, self.timeout = base_url.rstrip("/"), timeout
            self.verify = _trust()

        def request(  # type: ignore[override]
            self, method: str, url: str, *args: Any, **kwargs: Any
        ) -> requests.Response:
            if self.base_url and not url.startswith(("http://", "https://")):
                url = self.base_url + url
            kwargs.setdefault("timeout", self.timeout)
            try:
                response = super().request(method, url, *args, **kwargs)
            except transport_errors as error:
                raise TransientError(f"{method} {url} failed: {error}") from error
            check_response(response)
            return response

    return CadSession
