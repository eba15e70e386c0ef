"""The four certificate checks. Each returns findings and never raises for a failed read:
this investigation may head a chain, so one unreadable object must not stop the others.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import attrs

from cad_expiredcertificates import messages
from cad_expiredcertificates.certinfo import CertificateError, CertInfo, parse_certificate

CRITICAL_NAMESPACES = (
    "openshift-config",
    "openshift-ingress",
    "openshift-config-managed",
    "openshift-service-ca",
)
TLS_TYPE = "type=kubernetes.io/tls"
CONFIG = "config.openshift.io/v1"


class KubeReader(Protocol):
    """The part of the ``kube`` resource (cad-ocm) this investigation uses."""

    def list_objects(
        self,
        api_version: str,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def get_object(
        self, api_version: str, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None: ...


@attrs.frozen
class Finding:
    text: str
    problem: bool = False
    certificates_needing_attention: int = 0


@attrs.frozen
class Judge:
    """The clock and the warning window every check measures against."""

    now: datetime
    window: timedelta

    def attention(self, info: CertInfo) -> bool:
        return info.needs_attention(self.now, self.window)

    def describe(self, info: CertInfo) -> str:
        return messages.describe(info, self.now, self.window)


class SecretStore:
    """Secrets read once each: the TLS secrets of the critical namespaces are listed (one
    paged list per namespace) and named secrets there are served from that list."""

    def __init__(self, kube: KubeReader) -> None:
        self._kube = kube
        self._listed: dict[str, dict[str, dict[str, Any]]] = {}
        self._list_errors: dict[str, Exception] = {}
        self._fetched: dict[tuple[str, str], dict[str, Any] | None] = {}

    def tls_secrets(self, namespace: str) -> list[dict[str, Any]]:
        """The namespace's TLS secrets; a failed listing is remembered, not repeated."""
        if namespace in self._list_errors:
            raise self._list_errors[namespace]
        if namespace not in self._listed:
            try:
                items = self._kube.list_objects(
                    "v1", "secrets", namespace=namespace, field_selector=TLS_TYPE
                )
            except Exception as error:
                self._list_errors[namespace] = error
                raise
            self._listed[namespace] = {_name(item): item for item in items}
        return list(self._listed[namespace].values())

    def secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        if namespace in CRITICAL_NAMESPACES and namespace not in self._list_errors:
            with contextlib.suppress(Exception):  # then the secret is fetched by name
                self.tls_secrets(namespace)
        listed = self._listed.get(namespace)
        if listed is not None and name in listed:
            return listed[name]
        key = (namespace, name)
        if (
            key not in self._fetched
        ):  # not TLS-typed, outside the listed namespaces, or a failed list
            self._fetched[key] = self._kube.get_object("v1", "secrets", name, namespace=namespace)
        return self._fetched[key]

    def certificate(self, namespace: str, name: str) -> CertInfo:
        secret = self.secret(namespace, name)
        if secret is None:
            raise CertificateError(f"secret {namespace}/{name} does not exist")
        return secret_certificate(secret)


def secret_certificate(secret: dict[str, Any]) -> CertInfo:
    encoded = (secret.get("data") or {}).get("tls.crt") or ""
    try:
        pem = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError("tls.crt is not valid base64") from None
    return parse_certificate(pem)


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _guarded(area: str, what: str, read: Callable[[], Any]) -> tuple[Any, Finding | None]:
    try:
        return read(), None
    except Exception as error:  # noted, not raised: see the module docstring
        return None, Finding(messages.read_failed(area, what, _short(error)), problem=True)


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


def _judged(area: str, entries: list[tuple[str, CertInfo | str]], judge: Judge) -> list[Finding]:
    """Healthy certificates one line each; problems (and unreadable ones) in one warning."""
    findings, issues, attention = [], [], 0
    for label, info in entries:
        if isinstance(info, str):
            issues.append(f"{label}: {info}")
        elif judge.attention(info):
            issues.append(f"{label}: {judge.describe(info)}")
            attention += 1
        else:
            findings.append(Finding(f"{area}: {label}: {judge.describe(info)}"))
    if issues:
        findings.append(Finding(messages.problems(area, issues), True, attention))
    return findings


def _read_cert(store: SecretStore, namespace: str, name: str) -> CertInfo | str:
    try:
        return store.certificate(namespace, name)
    except CertificateError as error:
        return str(error)
    except Exception as error:
        return f"could not read it ({_short(error)})"


def api_server(kube: KubeReader, store: SecretStore, judge: Judge) -> list[Finding]:
    area = messages.API
    server, failed = _guarded(
        area, "APIServer/cluster", lambda: kube.get_object(CONFIG, "apiservers", "cluster")
    )
    if failed:
        return [failed]
    spec = (server or {}).get("spec") or {}
    named = (spec.get("servingCerts") or {}).get("namedCertificates") or []
    entries: list[tuple[str, CertInfo | str]] = []
    for item in named:
        secret = (item.get("servingCertificate") or {}).get("name")
        if not secret:
            continue
        info = _read_cert(store, "openshift-config", secret)
        names = item.get("names") or (info.dns_names if isinstance(info, CertInfo) else ())
        entries.append((f"{secret} (for {', '.join(names) or 'its own names'})", info))
    if not entries:
        return [Finding(messages.NO_NAMED_CERTS)]
    return _judged(area, entries, judge)


def default_ingress(kube: KubeReader, store: SecretStore, judge: Judge) -> list[Finding]:
    area = messages.INGRESS
    controller, failed = _guarded(
        area,
        "IngressController/default",
        lambda: kube.get_object(
            "operator.openshift.io/v1",
            "ingresscontrollers",
            "default",
            namespace="openshift-ingress-operator",
        ),
    )
    if failed:
        return [failed]
    if controller is None:
        return [Finding(messages.read_failed(area, "IngressController/default", "not found"), True)]
    secret = ((controller.get("spec") or {}).get("defaultCertificate") or {}).get("name")
    if not secret:
        return [Finding(messages.NO_DEFAULT_CERT)]
    return _judged(
        area, [(f"secret {secret}", _read_cert(store, "openshift-ingress", secret))], judge
    )


def component_routes(kube: KubeReader, store: SecretStore, judge: Judge) -> list[Finding]:
    area = messages.ROUTES
    ingress, failed = _guarded(
        area, "Ingress/cluster", lambda: kube.get_object(CONFIG, "ingresses", "cluster")
    )
    if failed:
        return [failed]
    routes = ((ingress or {}).get("spec") or {}).get("componentRoutes") or []
    entries: list[tuple[str, CertInfo | str]] = []
    for route in routes:
        secret = (route.get("servingCertKeyPairSecret") or {}).get("name")
        if not secret:
            continue
        label = f"{route.get('namespace', '?')}/{route.get('name', '?')} (secret {secret})"
        entries.append((label, _read_cert(store, "openshift-config", secret)))
    if not entries:
        return [Finding(messages.NO_COMPONENT_ROUTES)]
    findings = _judged(area, entries, judge)
    if any(f.problem for f in findings):
        findings.append(Finding(messages.CUSTOMER_ROTATES, True))
    return findings


def critical_namespaces(store: SecretStore, judge: Judge) -> list[Finding]:
    findings = []
    for namespace in CRITICAL_NAMESPACES:
        area = messages.tls_area(namespace)
        secrets, failed = _guarded(
            area, "the TLS secrets", functools.partial(store.tls_secrets, namespace)
        )
        if failed:
            findings.append(failed)
            continue
        entries: list[tuple[str, CertInfo | str]] = []
        for secret in secrets:
            try:
                info: CertInfo | str = secret_certificate(secret)
            except CertificateError as error:
                info = f"cannot read its certificate: {error}"
            entries.append((_name(secret), info))
        problems = [e for e in entries if isinstance(e[1], str) or judge.attention(e[1])]
        if problems:
            findings.extend(f for f in _judged(area, problems, judge) if f.problem)
        else:
            findings.append(Finding(messages.all_valid(namespace, len(entries))))
    return findings
