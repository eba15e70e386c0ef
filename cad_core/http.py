"""One HTTP session for plugin authors: timeouts, the trust bundle and CAD's retry rules.

``cad_core.http.session(base_url)`` returns a :class:`requests.Session` whose every call

* has a timeout (10 s unless the call or ``session(timeout=...)`` says otherwise);
* trusts ``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE`` (the sandbox sets both), else
  requests' own bundle (certifi's), through the process's shared TLS context for that
  bundle (:func:`tls_context`): the bundle is parsed once per process, not once per
  connection;
* turns failures into the typed errors the engine classifies with
  :func:`cad_core.errors.retryable`: a connection error (refused, reset, cut off mid-answer)
  or a timeout, HTTP 429 and 5xx are :class:`~cad_core.errors.TransientError` (with the
  server's ``Retry-After``), 404 is :class:`~cad_core.errors.NotFoundError`, any other 4xx
  a :class:`~cad_core.errors.PermanentError`;
* never retries by itself: the engine is the one retry layer, and it asks the executor's
  ``already_applied`` before each retry, so a write whose answer was lost is not repeated.

``requests`` is imported when the first session is made, not with this module, so a
plugin module may import this at its top and `cad --help` stays fast.

**One TLS context per trust bundle per process.** Parsing a CA bundle costs ~25 ms of CPU
(certifi's, or the sandbox's with its CA added), and each HTTP library parses it again
for every new connection or client. :func:`tls_context` parses each distinct bundle once
and every client CAD builds uses the result: these sessions, cad-ocm's OCM/SSO/backplane
sessions, its botocore clients and cad-pagerduty's client. Each keeps its own rule for
*which* bundle it trusts (``REQUESTS_CA_BUNDLE``, ``AWS_CA_BUNDLE``, ``SSL_CERT_FILE``):
when they name different bundles, each gets a context of its own, so nothing trusts
less (or more) than before. Verification is unchanged: a certificate is required and the
host name checked. A bundle whose content changes (a rotated ConfigMap) gets a new context.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any

from cad_core.errors import NotFoundError, PermanentError, TransientError

if TYPE_CHECKING:
    import ssl

    import requests

__all__ = ["TIMEOUT", "check_response", "session", "shared_trust_adapter", "tls_context"]
TIMEOUT = 10.0
# A few bundles at most (certifi's, the system's, maybe one named by a setting); the
# oldest goes first, so a bundle rotated many times does not keep every old context.
MAX_CONTEXTS = 4

_contexts_lock = threading.Lock()
_contexts: dict[tuple[Any, ...], ssl.SSLContext] = {}
_ours: weakref.WeakSet[ssl.SSLContext] = weakref.WeakSet()  # every context built here


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


def tls_context(bundle: str | None = None) -> ssl.SSLContext:
    """The process's verifying TLS client context for ``bundle``, parsed once.

    ``bundle`` is a PEM file or a folder of hashed certificates; ``None`` means OpenSSL's
    compiled-in default (what httpx and ``ssl`` trust when nothing is set). The context
    requires a certificate and checks the host name. Share it, never change it: every
    client of this bundle in the process uses the same object.
    """
    cafile, capath = _locations(bundle)
    key = (cafile, capath, _stamp(cafile), _stamp(capath))
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            import ssl

            context = ssl.create_default_context(cafile=cafile, capath=capath)
            while len(_contexts) >= MAX_CONTEXTS:
                del _contexts[next(iter(_contexts))]
            _contexts[key] = context
            _ours.add(context)
        return context


def _is_ours(context: Any) -> bool:
    """Whether ``context`` came from :func:`tls_context` (it holds its bundle already)."""
    with _contexts_lock:
        return context in _ours


def _locations(bundle: str | None) -> tuple[str | None, str | None]:
    if bundle is None:
        import ssl

        paths = ssl.get_default_verify_paths()  # compiled-in, never SSL_CERT_* (callers did)
        if os.path.isfile(paths.openssl_cafile):
            return paths.openssl_cafile, None
        return None, paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    return (None, bundle) if os.path.isdir(bundle) else (bundle, None)


def _stamp(path: str | None) -> Any:
    """What changes when a bundle's content does: a file's identity, size and modification
    time (a rotated ConfigMap swaps the file), a folder's listing. Asked on every request,
    so a ``stat``, not a read: parsing the bundle again costs ~25 ms."""
    if not path:
        return None
    if os.path.isdir(path):
        return tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(path)))
    try:
        found = os.stat(path)
    except OSError:
        return None  # loading it will name the problem
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def _trust() -> str | bool:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True


@functools.cache
def shared_trust_adapter() -> type[requests.adapters.HTTPAdapter]:
    """An ``HTTPAdapter`` class whose HTTPS connections use :func:`tls_context` for the
    bundle requests would verify with (``verify=False`` stays unverified; a client
    certificate is passed on as usual). Subclass it to add behaviour of your own."""
    from requests.adapters import DEFAULT_CA_BUNDLE_PATH, HTTPAdapter

    class SharedTrustAdapter(HTTPAdapter):
        def build_connection_pool_key_attributes(
            self, request: Any, verify: bool | str, cert: Any = None
        ) -> tuple[Any, Any]:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
            if host_params.get("scheme") == "https" and verify not in (False, None):
                location = DEFAULT_CA_BUNDLE_PATH if verify is True else str(verify)
                pool_kwargs.pop("ca_certs", None)
                pool_kwargs.pop("ca_cert_dir", None)
                # The context is part of the pool key: a pool serves one bundle only.
                pool_kwargs["ssl_context"] = tls_context(location)
            return host_params, pool_kwargs

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
            context = getattr(conn, "conn_kw", {}).get("ssl_context")
            if verify and context is not None and _is_ours(context):
                # The context holds this request's bundle already: urllib3 would load
                # the path into it again for every new connection.
                conn.ca_certs = conn.ca_cert_dir = None

    return SharedTrustAdapter


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
            adapter = shared_trust_adapter()()
            self.mount("https://", adapter)
            self.mount("http://", adapter)

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
