"""The investigation's first reads, made side by side.

The four checks read three configuration objects and the TLS secrets of four namespaces,
none of which depends on another. Read one after another they cost eight round trips
before the first finding; :func:`read_ahead` starts them together, so only the secrets
named by the configuration objects and missing from the listings are read afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from cad_expiredcertificates.checks import CONFIG, CRITICAL_NAMESPACES, KubeReader, SecretStore

Together = Callable[..., tuple[Any, ...]]
INGRESS_OPERATOR = "openshift-ingress-operator"


class ReadAhead:
    """A :class:`KubeReader` whose ``get_object`` answers from reads made ahead.

    A read that failed ahead raises the same error when the check asks for it, so the
    findings say exactly what they said without the read-ahead.
    """

    def __init__(self, kube: KubeReader) -> None:
        self._kube = kube
        self._objects: dict[tuple[str, str, str, str | None], Callable[[], Any]] = {}

    def list_objects(self, api_version: str, resource: str, **query: Any) -> list[dict[str, Any]]:
        return self._kube.list_objects(api_version, resource, **query)

    def get_object(
        self, api_version: str, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        kept = self._objects.pop((api_version, resource, name, namespace), None)
        if kept is not None:
            result: dict[str, Any] | None = kept()
            return result
        return self._kube.get_object(api_version, resource, name, namespace=namespace)

    def fetch(self, api_version: str, resource: str, name: str, namespace: str | None) -> None:
        key = (api_version, resource, name, namespace)
        try:
            found = self._kube.get_object(api_version, resource, name, namespace=namespace)
        except Exception as error:  # kept, and raised where the check reads it
            failure = error

            def raise_it() -> Any:
                raise failure

            self._objects[key] = raise_it
        else:
            self._objects[key] = lambda: found


def read_ahead(kube: KubeReader, store: SecretStore, hcp: bool, together: Together) -> ReadAhead:
    """The configuration objects and the namespaces' TLS secrets, read side by side."""
    ahead = ReadAhead(kube)
    objects = [
        (CONFIG, "ingresses", "cluster", None),
        ("operator.openshift.io/v1", "ingresscontrollers", "default", INGRESS_OPERATOR),
    ]
    if not hcp:  # a hosted control plane's API server certificate is not the cluster's
        objects.append((CONFIG, "apiservers", "cluster", None))
    calls = [functools.partial(ahead.fetch, *obj) for obj in objects]
    calls += [functools.partial(_listed, store, namespace) for namespace in CRITICAL_NAMESPACES]
    together(*calls)
    return ahead


def _listed(store: SecretStore, namespace: str) -> None:
    with contextlib.suppress(Exception):  # the store keeps the failure for the check
        store.tls_secrets(namespace)
