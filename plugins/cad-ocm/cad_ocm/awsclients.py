"""One botocore session per process, and its AWS clients, shared by every run.

Building a botocore session and its first EC2 client costs about a quarter of a second of
CPU, most of it parsing the service model and the endpoint rules. A long-lived process
(``cad interceptor``, a bench, a test session) makes many runs, so it builds the session
once; a client from the warm session costs a few milliseconds.

Correctness rules, because clients end up shared:

* a client is reused only for exactly the same service, region, credentials and AWS
  environment (``AWS_ENDPOINT_URL*``, ``AWS_CA_BUNDLE``, ...: botocore reads them when a
  client is built, and the sandbox changes them between runs of one process);
* the shared session is rebuilt when a variable it caches itself changes (config files,
  profile, data path);
* botocore sessions are not thread safe for building clients, so building holds a lock;
  the clients themselves are thread safe and used concurrently.

Trust: botocore gives each client an SSL context of its own and loads its CA bundle
(``AWS_CA_BUNDLE``, else certifi's) into it again for every new connection, ~25 ms each.
botocore offers no setting for a context (boto/botocore#1822, #3171), so
:func:`_share_trust` gives each client's HTTP session the process's context for exactly
the bundle botocore would load (:func:`cad_core.http.tls_context`). A client whose HTTP
session is not botocore's own class, or that does not verify, is left as it is.

Service models: botocore decodes its model files into ``OrderedDict``; the shared session's
loader (botocore's own ``Loader``, registered as the session's ``data_loader`` component)
decodes them into plain dicts, which keep order too and cost half the CPU.

This module imports boto3: import it only where a client is about to be built.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections import OrderedDict
from typing import Any

import boto3.session
import botocore.loaders
import botocore.session
from botocore.httpsession import URLLib3Session, get_cert_path
from cad_core.http import tls_context

# What the botocore session reads once and keeps: a change means a new session.
SESSION_VARIABLES = (
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DATA_PATH",
)
# Backplane hands out fresh credentials for every run, so a client serves one run (its
# investigations share it); a few concurrent runs fit. Older clients, with expired
# credentials and idle connections, must not pile up in a process that runs for weeks.
MAX_CLIENTS = 8

_lock = threading.Lock()
_session: boto3.session.Session | None = None
_session_key: tuple[tuple[str, str], ...] = ()
_clients: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_built = 0  # clients built since the process started (what the tests observe)


def _aws_environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))


def _shared_session() -> boto3.session.Session:
    """The process's session (call with the lock held)."""
    global _session, _session_key
    key = tuple((name, os.environ.get(name, "")) for name in SESSION_VARIABLES)
    if _session is None or key != _session_key:
        core = botocore.session.get_session()
        # One attempt per call: CAD retries in one layer, the runner's.
        core.set_config_variable("retry_mode", "standard")
        core.set_config_variable("max_attempts", 1)
        loader = botocore.loaders.create_loader(core.get_config_variable("data_path"))
        loader.file_loader = PlainJSONFileLoader()
        core.register_component("data_loader", loader)
        # No credentials on the shared session: every client gets its run's own.
        _session, _session_key = boto3.session.Session(botocore_session=core), key
        _clients.clear()
    return _session


def shared_client(service_name: str, region: str | None, credentials: tuple[str, str, str]) -> Any:
    """A client for ``service_name`` with these credentials, built once per process."""
    global _built
    access_key, secret_key, token = credentials
    with _lock:
        session = _shared_session()
        key = (service_name, region, access_key, secret_key, token, _aws_environment())
        client = _clients.get(key)
        if client is None:
            client = session.client(  # type: ignore[call-overload]
                service_name,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                aws_session_token=token,
            )
            _share_trust(client)
            _built += 1
            _clients[key] = client
            while len(_clients) > MAX_CLIENTS:
                _clients.popitem(last=False)
        _clients.move_to_end(key)
        return client


class PlainJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's model files decoded into plain dicts (ordered, like every dict) instead
    of ``OrderedDict``: EC2's 4.5 MB model decodes in half the CPU (~25 ms less per
    process). The session takes it through botocore's own ``data_loader`` component."""

    def load_file(self, file_path: str) -> Any:
        for suffix, opener in ((".json", open), (".json.gz", gzip.open)):
            if os.path.isfile(file_path + suffix):
                with opener(file_path + suffix, "rb") as handle:
                    return json.loads(handle.read().decode("utf-8"))
        return None


class _SharedTrustSession(URLLib3Session):
    """botocore's HTTP session with the process's context for its bundle: connections
    verify exactly as before, without parsing the bundle again."""

    _cad_context: Any = None  # never handed to a proxy's pools: botocore changes theirs

    def _setup_ssl_cert(self, conn: Any, url: str, verify: Any) -> None:
        super()._setup_ssl_cert(conn, url, verify)  # type: ignore[misc]  # not in the stubs
        if conn.ca_certs is not None and conn.conn_kw.get("ssl_context") is self._cad_context:
            conn.ca_certs = None  # the context holds this bundle already


def _share_trust(client: Any) -> None:
    found = getattr(getattr(client, "_endpoint", None), "http_session", None)
    http: Any = found if type(found) is URLLib3Session else None
    verify = getattr(http, "_verify", None)
    manager: Any = getattr(http, "_manager", None)
    if not verify or not isinstance(getattr(manager, "connection_pool_kw", None), dict):
        return  # not botocore's session as we know it, or not verifying: botocore's way
    bundle = get_cert_path(verify)
    if not isinstance(bundle, str) or not os.path.isfile(bundle):
        return
    http.__class__ = _SharedTrustSession  # no new state: one method differs
    http._cad_context = tls_context(bundle)
    manager.connection_pool_kw["ssl_context"] = http._cad_context


def clients_built() -> int:
    """How many clients this process has built (reuse shows as no increase)."""
    return _built


class CustomerSession(boto3.session.Session):
    """A ``boto3.session.Session`` for one customer account whose ``client()`` comes from
    the process-wide cache. Everything else (``get_credentials()``, ``resource()``,
    ``region_name``) is the ordinary per-run session."""

    def __init__(self, access_key: str, secret_key: str, token: str, region: str | None) -> None:
        core = botocore.session.get_session()
        core.set_config_variable("retry_mode", "standard")
        core.set_config_variable("max_attempts", 1)
        super().__init__(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=token,
            region_name=region,
            botocore_session=core,
        )
        self._cad_credentials = (access_key, secret_key, token)

    def client(self, *args: Any, **kwargs: Any) -> Any:
        named = dict(zip(("service_name", "region_name"), args, strict=False)) | kwargs
        service_name, region = named.pop("service_name", None), named.pop("region_name", None)
        if not isinstance(service_name, str) or len(args) > 2 or named:
            # Anything beyond a service and a region (own config, endpoint, credentials):
            # built for the caller alone, exactly as boto3 would.
            return super().client(*args, **kwargs)
        return shared_client(service_name, region or self.region_name, self._cad_credentials)
