"""Each check's rows against an in-memory API that records what it was asked."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cad_core.errors import PermanentError
from cad_ocm.sandbox.certs import certificate_pem

from cad_expiredcertificates import checks

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
JUDGE = checks.Judge(now=NOW, window=timedelta(days=7))


def tls(namespace: str, name: str, days: float) -> dict[str, Any]:
    pem, _ = certificate_pem(
        common_name=name,
        issuer="CA",
        not_before=NOW - timedelta(days=100),
        not_after=NOW + timedelta(days=days),
    )
    return {
        "metadata": {"namespace": namespace, "name": name},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": base64.b64encode(pem.encode()).decode()},
    }


class Api:
    """Objects by (resource, namespace, name); ``broken`` resources raise like a 403."""

    def __init__(self, *objects: tuple[str, dict[str, Any]], broken: tuple[str, ...] = ()):
        self.objects = {
            (res, o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
            for res, o in objects
        }
        self.broken = broken
        self.asked: list[tuple[str, ...]] = []

    def list_objects(self, api_version, resource, *, namespace=None, **selectors):
        self.asked.append(("list", resource, namespace or ""))
        if f"{resource}@{namespace}" in self.broken:
            raise PermanentError("HTTP 403: Forbidden")
        return [o for (r, ns, _), o in self.objects.items() if r == resource and ns == namespace]

    def get_object(self, api_version, resource, name, *, namespace=None):
        self.asked.append(("get", resource, namespace or "", name))
        if resource in self.broken:
            raise PermanentError("HTTP 403: Forbidden")
        return self.objects.get((resource, namespace or "", name))


def server(*names: str) -> tuple[str, dict[str, Any]]:
    named = [{"servingCertificate": {"name": n}} for n in names]
    spec = {"servingCerts": {"namedCertificates": named}}
    return ("apiservers", {"metadata": {"name": "cluster"}, "spec": spec})


def texts(findings: list[checks.Finding]) -> list[tuple[bool, str]]:
    return [(f.problem, f.text) for f in findings]


def test_api_server_rows() -> None:
    unreadable = Api(broken=("apiservers",))
    [(problem, text)] = texts(checks.api_server(unreadable, checks.SecretStore(unreadable), JUDGE))
    assert problem and "could not read APIServer/cluster" in text
    empty = Api(server())
    assert texts(checks.api_server(empty, checks.SecretStore(empty), JUDGE)) == [
        (False, "API server certificates: no custom serving certificates are configured")
    ]
    api = Api(server("good", "old", "gone"), ("secrets", tls("openshift-config", "good", 90)),
              ("secrets", tls("openshift-config", "old", -1)))  # fmt: skip
    found = checks.api_server(api, checks.SecretStore(api), JUDGE)
    assert [f.problem for f in found] == [False, True]
    assert "old" in found[1].text and "openshift-config/gone does not exist" in found[1].text
    assert found[1].certificates_needing_attention == 1
    # The namespace was listed once; only the secret missing from the list was asked for.
    secret_requests = [a for a in api.asked if a[1] == "secrets"]
    assert secret_requests == [
        ("list", "secrets", "openshift-config"),
        ("get", "secrets", "openshift-config", "gone"),
    ]


def test_default_ingress_rows() -> None:
    missing = Api()
    [(problem, text)] = texts(checks.default_ingress(missing, checks.SecretStore(missing), JUDGE))
    assert problem and "not found" in text
    controller = {"metadata": {"namespace": "openshift-ingress-operator", "name": "default"}}
    plain = Api(("ingresscontrollers", {**controller, "spec": {}}))
    [(problem, text)] = texts(checks.default_ingress(plain, checks.SecretStore(plain), JUDGE))
    assert not problem and "the one the ingress operator manages" in text
    custom = {**controller, "spec": {"defaultCertificate": {"name": "c"}}}
    api = Api(("ingresscontrollers", custom), ("secrets", tls("openshift-ingress", "c", 3)))
    [(problem, text)] = texts(checks.default_ingress(api, checks.SecretStore(api), JUDGE))
    assert problem and "EXPIRES SOON, in 3 days" in text


def test_component_route_rows() -> None:
    routes = [
        {"namespace": "openshift-console", "name": "console",
         "servingCertKeyPairSecret": {"name": "console-cert"}},
        {"namespace": "openshift-authentication", "name": "oauth-openshift"},
    ]  # fmt: skip
    ingress = {"metadata": {"name": "cluster"}, "spec": {"componentRoutes": routes}}
    api = Api(("ingresses", ingress), ("secrets", tls("openshift-config", "console-cert", -3)))
    found = texts(checks.component_routes(api, checks.SecretStore(api), JUDGE))
    assert [problem for problem, _ in found] == [True, True]
    assert "openshift-console/console (secret console-cert)" in found[0][1]
    assert "only the customer can replace them" in found[1][1]
    bare = Api(("ingresses", {"metadata": {"name": "cluster"}}))
    [(problem, text)] = texts(checks.component_routes(bare, checks.SecretStore(bare), JUDGE))
    assert not problem and "no component route has its own certificate" in text


def test_critical_namespace_rows() -> None:
    broken = {"metadata": {"namespace": "openshift-ingress", "name": "junk"}, "data": {}}
    api = Api(
        ("secrets", tls("openshift-config", "fine", 30)),
        ("secrets", tls("openshift-config", "fine-2", 300)),
        ("secrets", broken),
        broken=("secrets@openshift-service-ca",),
    )
    found = texts(checks.critical_namespaces(checks.SecretStore(api), JUDGE))
    assert found[0] == (False, "TLS secrets in openshift-config: all 2 certificates are valid")
    assert found[1][0] and "junk: cannot read its certificate" in found[1][1]
    assert found[2] == (False, "TLS secrets in openshift-config-managed: none found")
    assert found[3][0] and "could not read the TLS secrets" in found[3][1]


def test_a_failed_listing_is_not_repeated() -> None:
    api = Api(server("x"), broken=("secrets@openshift-config",))
    store = checks.SecretStore(api)
    checks.api_server(api, store, JUDGE)
    checks.critical_namespaces(store, JUDGE)
    lists = [a for a in api.asked if a == ("list", "secrets", "openshift-config")]
    assert len(lists) == 1
