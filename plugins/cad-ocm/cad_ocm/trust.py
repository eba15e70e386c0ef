"""One TLS trust store per CA bundle per process, for the OCM, backplane and SSO sessions.

requests hands urllib3 the CA bundle's path, and urllib3 parses the whole bundle again
for every new connection: ~25 ms of CPU for certifi's (or a bundle with the sandbox's CA
added), three times per run (SSO, OCM, backplane), every run. Here the bundle is parsed
once per process into an SSL context, and connections use that context instead.

Verification is unchanged: the context requires a certificate and urllib3 still matches
the host name. A bundle whose content changes (a rotated ConfigMap) gets a new context.
"""

from __future__ import annotations

import os
import ssl
import threading
import weakref
from typing import TYPE_CHECKING, Any

from requests.adapters import DEFAULT_CA_BUNDLE_PATH, HTTPAdapter

if TYPE_CHECKING:
    from requests import PreparedRequest
    from requests.adapters import _HostParams, _PoolKwargs

# A few bundles at most (the default one, maybe one from REQUESTS_CA_BUNDLE); the oldest
# goes first so a bundle rotated many times does not keep every old context alive.
MAX_CONTEXTS = 4

_lock = threading.Lock()
_contexts: dict[tuple[Any, ...], ssl.SSLContext] = {}
_ours: weakref.WeakSet[ssl.SSLContext] = weakref.WeakSet()  # every context built here


def _stamp(path: str | None) -> Any:
    """What identifies this bundle's content: a digest of a file (reading and hashing it
    costs a fraction of a millisecond, parsing it ~25 ms), the listing of a folder."""
    if not path:
        return None
    if os.path.isdir(path):
        return tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(path)))
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).digest()


def trust_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """urllib3's default client context with this bundle loaded, built once."""
    from urllib3.util.ssl_ import create_urllib3_context

    key = (cafile, capath, _stamp(cafile), _stamp(capath))
    with _lock:
        context = _contexts.get(key)
        if context is None:
            context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
            context.load_verify_locations(cafile=cafile, capath=capath)
            while len(_contexts) >= MAX_CONTEXTS:
                del _contexts[next(iter(_contexts))]
            _contexts[key] = context
            _ours.add(context)
        return context


def _bundle(verify: Any) -> tuple[str | None, str | None] | None:
    """The (file, folder) requests would verify with; None when it does not verify."""
    if verify is False or verify is None:
        return None
    location = DEFAULT_CA_BUNDLE_PATH if verify is True else str(verify)
    return (None, location) if os.path.isdir(location) else (location, None)


class SharedTrustAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose HTTPS connections share one parsed CA bundle."""

    def build_connection_pool_key_attributes(
        self,
        request: PreparedRequest,
        verify: bool | str,
        cert: str | tuple[str, str] | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        bundle = _bundle(verify)
        if host_params.get("scheme") == "https" and bundle is not None:
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs.pop("ca_cert_dir", None)
            pool_kwargs["ssl_context"] = trust_context(*bundle)
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        context = getattr(conn, "conn_kw", {}).get("ssl_context")
        if verify and context is not None and context in _ours:
            # This pool was made for this request's bundle (the context is part of the pool
            # key) and its context holds it: urllib3 would load the path into it again on
            # every new connection.
            conn.ca_certs = conn.ca_cert_dir = None
