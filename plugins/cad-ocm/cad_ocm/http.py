"""HTTP plumbing shared by the OCM, backplane and kube clients.

One retry layer only: the core engine retries. So urllib3's retries are off, every call
has a timeout, and failures become typed errors by status code (never by message text):
429/5xx/connection errors/timeouts are transient, 401/403 name the credential, 404 is
"not found", anything else is permanent with the server's own reason.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import requests
from cad_core.errors import NotFoundError, PermanentError, TransientError
from cad_core.run.locks import fence_write
from urllib3.util.retry import Retry

from cad_ocm import __version__

log = logging.getLogger("cad.ocm.http")

TIMEOUT = 30.0
USER_AGENT = f"configuration-anomaly-detection cad-ocm/{__version__}"
REASON_LIMIT = 2000  # long enough for AWS/backplane texts that ccam matches on
CREDENTIAL = "the OCM service account (CAD_OCM_CLIENT_ID / CAD_OCM_CLIENT_SECRET)"


@functools.cache  # one class per process; ssl loads only when a session is made
def _fenced_adapter() -> type[requests.adapters.HTTPAdapter]:
    """An adapter whose connections check the run's lock fence last thing before a write's
    bytes leave, once the connection (and its TLS handshake, which waits on the server) is
    up: a run that lost its lock (stalled past its Lease) sends none. Any earlier check
    leaves the request's preparation and the handshake inside the window a stall can slip
    through; ``bench/race.py --stall`` found one in six writes there."""
    from cad_core.http import shared_trust_adapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class FencedHTTP(HTTPConnection):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
            _fence_at_the_wire(self, method)
            super().request(method, url, *args, **kwargs)

    class FencedHTTPS(HTTPSConnection):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
            _fence_at_the_wire(self, method)
            super().request(method, url, *args, **kwargs)

    class FencedHTTPPool(HTTPConnectionPool):
        ConnectionCls = FencedHTTP

    class FencedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = FencedHTTPS

    class FencedAdapter(shared_trust_adapter()):  # type: ignore[misc]
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": FencedHTTPPool,
                "https": FencedHTTPSPool,
            }

    return FencedAdapter


def _fence_at_the_wire(connection: Any, method: str) -> None:
    if method in ("GET", "HEAD"):
        return
    if connection.is_closed:
        connection.connect()  # the handshake first: it may wait, the check must not
    fence_write()


def new_session() -> requests.Session:
    """A session whose transport never retries on its own, and parses the CA bundle once
    per process rather than once per connection (:func:`cad_core.http.tls_context`)."""
    session = requests.Session()
    adapter = _fenced_adapter()(max_retries=Retry(total=0, read=False, redirect=False))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


def retry_after(response: requests.Response) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` as seconds or HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_reason(response: requests.Response) -> str:
    """The server's own explanation: OCM ``reason``, backplane/kube ``message``, SSO
    ``error_description``; else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        for key in ("reason", "message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:REASON_LIMIT]
    return " ".join(response.text.split())[:REASON_LIMIT]


def _tag(error: Exception, status: int | None, reason: str) -> Exception:
    # Callers match on these (e.g. OCM's "uninstalling" refusal) without parsing text.
    error.status = status  # type: ignore[attr-defined]
    error.reason = reason  # type: ignore[attr-defined]
    return error


def raise_for_status(response: requests.Response, what: str, credential: str) -> None:
    """Turn an error reply into the matching typed error; do nothing on success."""
    status = response.status_code
    if status < 400:
        return
    reason = error_reason(response)
    detail = f"{what} failed with HTTP {status}" + (f": {reason}" if reason else "")
    if status == 429 or status >= 500:
        raise _tag(TransientError(detail, retry_after=retry_after(response)), status, reason)
    if status in (401, 403):
        message = f"{detail} (check that {credential} is valid and has the needed roles)"
        raise _tag(PermanentError(message), status, reason)
    if status == 404:
        raise _tag(NotFoundError(detail), status, reason)
    raise _tag(PermanentError(detail), status, reason)


def send(
    session: requests.Session, method: str, url: str, what: str, **kwargs: Any
) -> requests.Response:
    """One request with a timeout; transport failures become :class:`TransientError`."""
    try:
        return session.request(method, url, timeout=TIMEOUT, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as error:
        kind = "timed out" if isinstance(error, requests.Timeout) else "could not connect"
        raise _tag(TransientError(f"{what} {kind}: {error}"), None, "") from error


def json_body(response: requests.Response, what: str) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise PermanentError(f"{what} answered with something that is not JSON") from None
    if not isinstance(body, dict):
        raise PermanentError(f"{what} answered with JSON that is not an object")
    return body


class TokenProvider(Protocol):
    def token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class ApiClient:
    """Bearer-token JSON client for one base URL (a 401 gets one retry with a new token)."""

    def __init__(
        self,
        base_url: str,
        token: TokenProvider,
        session: requests.Session,
        service: str,
        credential: str = CREDENTIAL,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = token
        self.session = session
        self.service = service
        self.credential = credential

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> requests.Response:
        what = f"{self.service} {method} {path}"
        token = self.tokens.token()
        response = self._send(method, path, what, token, params, json)
        if response.status_code == 401:
            # A token can be revoked or expire early on the server: one new token, one retry.
            self.tokens.invalidate(token)
            response = self._send(method, path, what, self.tokens.token(), params, json)
        raise_for_status(response, what, self.credential)
        return response

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        token: str,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> requests.Response:
        response = send(
            self.session,
            method,
            self.base_url + path,
            what,
            params=params,
            json=json,
            headers={"Authorization": f"Bearer {token}"},
        )
        log.debug("%s -> HTTP %s", what, response.status_code)
        return response

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return json_body(self.request("GET", path, params=params), f"{self.service} GET {path}")

    def post(self, path: str, json: Any) -> dict[str, Any]:
        return json_body(self.request("POST", path, json=json), f"{self.service} POST {path}")

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> None:
        self.request("DELETE", path, params=params)


class ClientCredentialsToken:
    """OAuth2 client-credentials access token, cached and renewed before it expires.

    Executors run in parallel threads, so fetching holds a lock: one token request at a
    time, and every thread reuses the result.
    """

    DEFAULT_LIFETIME = 300.0  # when the server says nothing about expiry
    MAX_MARGIN = 60.0  # renew this long before expiry (less for very short tokens)

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._session = session
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._renew_at = 0.0

    def __repr__(self) -> str:  # never show the secret or the token
        return f"ClientCredentialsToken(url={self._url!r}, client_id={self._client_id!r})"

    def token(self) -> str:
        with self._lock:
            if not self._token or self._clock() >= self._renew_at:
                self._fetch()
            return self._token

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = ""

    def _fetch(self) -> None:
        what = "the SSO token endpoint"
        response = send(
            self._session,
            "POST",
            self._url,
            what,
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "scope": "openid",
            },
            auth=(self._client_id, self._secret),
        )
        if response.status_code in (400, 401, 403):
            reason = error_reason(response)
            raise _tag(
                PermanentError(
                    f"{what} refused CAD_OCM_CLIENT_ID / CAD_OCM_CLIENT_SECRET "
                    f"(HTTP {response.status_code}: {reason}); check both settings"
                ),
                response.status_code,
                reason,
            )
        raise_for_status(response, what, "CAD_OCM_CLIENT_ID / CAD_OCM_CLIENT_SECRET")
        body = json_body(response, what)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise PermanentError(f"{what} answered without an access_token")
        lifetime = _lifetime(body)
        self._token = token
        self._renew_at = self._clock() + lifetime - min(self.MAX_MARGIN, lifetime / 10)
        log.debug("fetched an OCM access token valid for %.0fs", lifetime)


def _lifetime(body: Mapping[str, Any]) -> float:
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float) and expires_in > 0:
        return float(expires_in)
    return ClientCredentialsToken.DEFAULT_LIFETIME
