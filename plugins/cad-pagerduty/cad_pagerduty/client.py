"""The PagerDuty REST client: one per (URL, token) per process, with its retries bounded.

Its TLS context is the process's one for the bundle httpx would trust (``SSL_CERT_FILE``,
else ``SSL_CERT_DIR``, else OpenSSL's default), from :func:`cad_core.http.tls_context`:
the bundle is parsed once per process, not again for this client.

CAD retries in one layer only, the core's engine, so that every retry is visible, counted
and bounded by the run's deadline. The ``pagerduty`` package has retry loops of its own;
:func:`_bound_retries` turns them off so that a failure reaches the engine after exactly
one request.

Writes check the run's lock fence (:func:`cad_core.run.locks.fence_write`) last thing
before their bytes leave, as cad-ocm's transport does: a run that lost its lock (stalled
past its Lease) sends no write.
"""

from __future__ import annotations

import logging
import os
import platform
import threading
from typing import TYPE_CHECKING, Any

from cad_core.errors import PermanentError
from cad_pagerduty import errors, settings

if TYPE_CHECKING:
    import ssl

    import httpx2
    import pagerduty

TIMEOUT_SECONDS = 30

_clients: dict[tuple[Any, ...], pagerduty.RestApiV2Client] = {}
_lock = threading.Lock()


def _bound_retries(client: pagerduty.RestApiV2Client) -> None:
    """Make ``ApiClient.request`` (pagerduty 7.2, api_client.py) give up after one try.

    * HTTP 429: by default the client sleeps and retries a 429 *without limit* (the
      ``elif status == 429`` branch). A non-zero ``retry[429]`` sends 429 through the
      counted branch instead, which returns the response once ``sum(http_attempts) >
      max_http_attempts``; with ``max_http_attempts = -1`` that holds at once (0 > -1),
      so the first 429 comes back to us untouched, headers included. ``max_http_attempts
      = 0`` would still retry once (0 > 0 is false), and ``retry[429] = 0`` would not do
      at all: 0 means "default behaviour", i.e. the endless loop.
    * Other statuses are returned as they are (401 raises at once), since ``retry`` has
      no other entries.
    * Network errors: the client retries ``max_network_attempts`` times and then raises
      ``pagerduty.Error`` from the ``httpx2.TransportError``; with 0 it raises on the
      first failure.
    """
    client.retry = {429: 1}
    client.max_http_attempts = -1
    client.max_network_attempts = 0


class _HideSpentBudgetNotice(logging.Filter):
    """With the bounds above, the client reports every 429 at ERROR level as a retry budget
    of "-1" attempts being exhausted. That misleads whoever reads the logs: nothing was
    retried, and the engine logs the real retry. Filtering goes by the library's constant
    format string, not by any text that came from PagerDuty."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("%s: Non-transient HTTP error")


_client_log = logging.getLogger("cad.pagerduty.http")
_client_log.addFilter(_HideSpentBudgetNotice())


def _trust() -> ssl.SSLContext | bool:
    """The shared context for the bundle httpx would trust by itself (httpcore's rules:
    ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, OpenSSL's default file). Where httpx would look
    further (macOS and Windows: the system store through truststore; no OpenSSL default
    file: OpenSSL's folder or a list of usual paths), httpx decides, as it always did."""
    import ssl

    from cad_core.http import tls_context

    named = os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")
    if named:
        return tls_context(named)
    on_disk = os.path.isfile(ssl.get_default_verify_paths().openssl_cafile)
    if platform.system() in ("Windows", "Darwin") or not on_disk:
        return True
    return tls_context(None)


def _build(
    url: str, token: str, sender: str | None, trust: ssl.SSLContext | bool
) -> pagerduty.RestApiV2Client:
    import pagerduty  # imported here so that `cad --help` does not pay for it

    try:
        client = pagerduty.RestApiV2Client(token, default_from=sender, base_url=url, verify=trust)
    except pagerduty.UrlError as error:
        raise errors.from_exception(error, "client set-up", "") from None
    client.timeout = TIMEOUT_SECONDS
    client.log = _client_log
    _bound_retries(client)
    hooks = client.event_hooks
    client.event_hooks = {**hooks, "request": [*hooks.get("request", []), _fence_at_the_wire]}
    return client


def _fence_at_the_wire(request: httpx2.Request) -> None:
    """A write's request carries a trace hook that checks the fence when its headers are
    about to be sent: after the connection (and its TLS handshake, which waits on the
    server) is up, so the check is the last thing before the bytes leave. A check here,
    before the connection, would leave the handshake inside the window a stall slips
    through (``bench/race.py --stall``)."""
    if request.method in ("GET", "HEAD"):
        return
    request.extensions = {**request.extensions, "trace": _fence_before_sending}


def _fence_before_sending(event: str, _info: dict[str, Any]) -> None:
    if event.endswith(".send_request_headers.started"):
        from cad_core.run.locks import fence_write

        fence_write()


def rest_client() -> pagerduty.RestApiV2Client:
    """The shared client for the current settings and trust bundle (built on first use)."""
    key = (settings.base_url(), settings.token(), settings.sender(), _trust())
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _build(*key)
        return client


def forget_clients() -> None:
    """Close and drop every cached client (tests, and tools that switch accounts)."""
    with _lock:
        cached = list(_clients.values())
        _clients.clear()
    for client in cached:
        client.close()


def call(
    method: str,
    path: str,
    incident_id: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    write: bool = False,
) -> Any:
    """One request; returns the decoded JSON body or raises a typed CAD error.

    ``write`` requests need the ``From`` header: a missing ``CAD_PD_FROM`` is reported
    before anything is sent.
    """
    if write:
        settings.require_sender()
    client = rest_client()
    what = f"{method} {path}"
    from cad_core.run.locks import LockLost

    try:
        response = client.request(method, path, json=json, params=params)
    except LockLost:
        raise  # the fence stopped the write before it was sent: the engine reports it
    except Exception as error:
        mapped = errors.from_exception(error, what, incident_id)
        raise mapped from (None if _is_auth_failure(error) else error)
    if not response.is_success:
        raise errors.from_response(response, what, incident_id)
    return _decode(response, what)


def _is_auth_failure(error: Exception) -> bool:
    """The client's own 401 text quotes part of the key: do not chain it into logs."""
    response = getattr(error, "response", None)
    return response is not None and response.status_code == 401


def _decode(response: Any, what: str) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise PermanentError(
            f"PagerDuty answered {what} with a body that is not JSON; check {settings.URL}"
        ) from None
