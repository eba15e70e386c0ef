"""The generic kube API simulator: any kind the scenario defines, over real HTTPS."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cad_core.errors import BadInputError
from cad_sandbox.scenario import load_scenario
from cryptography import x509

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

OBJECTS: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Node",
        "name": "worker-1",
        "labels": {"node-role.kubernetes.io/worker": ""},
        "spec": {"taints": [{"key": "k", "effect": "NoSchedule", "timeAdded": "-40m"}]},
    },
    {"apiVersion": "v1", "kind": "Node", "name": "master-0"},
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "shop",
        "name": "web-1",
        "labels": {"app": "web", "tier": "front"},
        "spec": {"nodeName": "worker-1"},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "shop",
        "name": "db-0",
        "labels": {"app": "db"},
        "spec": {"nodeName": "master-0"},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "other",
        "name": "web-2",
        "labels": {"app": "web"},
        "metadata": {"deletionTimestamp": "-5m"},
    },
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "namespace": "openshift-config",
        "name": "api-cert",
        "tls": {"expires": "+3d", "dns_names": ["api.example.com"]},
    },
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "namespace": "openshift-config",
        "name": "plain",
        "data": {"password": "hunter2"},
    },
    {
        "apiVersion": "machine.openshift.io/v1beta1",
        "kind": "Machine",
        "namespace": "openshift-machine-api",
        "name": "m-1",
    },
]


@pytest.fixture
def kube(ocm_session, running, scenario_data, ids):
    box = running(scenario_data(kube={"objects": OBJECTS}), now=NOW)
    session = ocm_session()
    created = session.post(
        os.environ["BACKPLANE_URL"] + f"/backplane/remediation/{ids.cluster}",
        params={"remediationName": "unit"},
    ).json()
    base = os.environ["BACKPLANE_URL"] + created["proxy_uri"]

    def get(path: str, **params: Any) -> Any:
        return session.get(base + path, params=params)

    get.box = box  # type: ignore[attr-defined]
    return get


def test_list_namespaced_and_across_namespaces(kube) -> None:
    assert [p["metadata"]["name"] for p in kube("/api/v1/pods").json()["items"]] == [
        "web-2",
        "db-0",
        "web-1",
    ]
    shop = kube("/api/v1/namespaces/shop/pods").json()
    assert shop["kind"] == "PodList" and len(shop["items"]) == 2
    machines = kube("/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines")
    assert machines.json()["items"][0]["metadata"]["name"] == "m-1"


def test_get_and_the_apiservers_404(kube) -> None:
    node = kube("/api/v1/nodes/worker-1").json()
    assert node["spec"]["taints"][0]["timeAdded"] == "2026-03-01T11:20:00Z"
    missing = kube("/api/v1/namespaces/shop/pods/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "pods"},
        "code": 404,
    }
    assert kube("/apis/example.com/v1/widgets").status_code == 404
    assert kube("/api/v1/namespaces/shop/nodes").status_code == 404  # cluster-scoped
    assert kube("/api/v1/namespaces/shop/pods/web-1/log").status_code == 404


def test_label_and_field_selectors(kube) -> None:
    def names(**params: Any) -> list[str]:
        return [i["metadata"]["name"] for i in kube("/api/v1/pods", **params).json()["items"]]

    assert names(labelSelector="app=web,tier") == ["web-1"]
    assert names(labelSelector="app in (db, web),!tier") == ["web-2", "db-0"]
    assert names(labelSelector="app!=web") == ["db-0"]
    assert names(fieldSelector="spec.nodeName=master-0") == ["db-0"]
    secrets = kube(
        "/api/v1/namespaces/openshift-config/secrets", fieldSelector="type=kubernetes.io/tls"
    ).json()
    assert [s["metadata"]["name"] for s in secrets["items"]] == ["api-cert"]
    refused = kube("/api/v1/pods", fieldSelector="spec.bogus=1")
    assert refused.status_code == 400 and "field label not supported" in refused.json()["message"]


def test_paging_with_limit_and_continue(kube) -> None:
    first = kube("/api/v1/pods", limit="2").json()
    assert len(first["items"]) == 2 and first["metadata"]["remainingItemCount"] == 1
    second = kube("/api/v1/pods", limit="2", **{"continue": first["metadata"]["continue"]}).json()
    assert [p["metadata"]["name"] for p in second["items"]] == ["web-1"]
    assert "continue" not in second["metadata"]
    assert kube("/api/v1/pods", limit="2", **{"continue": "%%%"}).status_code == 400
    logged = [r.get("query", "") for r in kube.box.requests if r["path"] == "/api/v1/pods"]
    assert "limit=2" in logged


def test_secrets_are_base64_and_tls_certificates_expire_as_asked(kube) -> None:
    plain = kube("/api/v1/namespaces/openshift-config/secrets/plain").json()
    assert plain["type"] == "Opaque"
    assert base64.b64decode(plain["data"]["password"]) == b"hunter2"
    tls = kube("/api/v1/namespaces/openshift-config/secrets/api-cert").json()
    assert tls["type"] == "kubernetes.io/tls"
    cert = x509.load_pem_x509_certificate(base64.b64decode(tls["data"]["tls.crt"]))
    assert cert.not_valid_after_utc == NOW + timedelta(days=3)


def test_the_cluster_is_read_only(kube, ocm_session) -> None:
    assert kube("/api/v1/pods").status_code == 200
    box = kube.box
    assert all(not r["write"] for r in box.requests if r["service"] == "kube")


@pytest.mark.parametrize(
    ("objects", "problem"),
    [
        ([{"apiVersion": "v1", "kind": "Pod", "name": "p"}], "kind Pod needs a namespace"),
        (
            [{"apiVersion": "v1", "kind": "Node", "name": "n", "namespace": "x"}],
            "cluster-scoped",
        ),
        (
            [{"apiVersion": "v1", "kind": "Node", "name": "n", "tls": {"expires": "+1d"}}],
            "only for kind Secret",
        ),
        (
            [{"apiVersion": "v1", "kind": "Node", "name": "n"} for _ in range(2)],
            "more than once: nodes/n",
        ),
        (
            [{"apiVersion": "v1", "kind": "Node", "name": "n", "spec": {"lastTime": "soon"}}],
            "bad time 'soon'",
        ),
        (
            [{"apiVersion": "v1", "kind": "Node", "name": "n", "metadata": {"labels": {}}}],
            "beside metadata",
        ),
        ([{"apiVersion": "V1", "kind": "Node", "name": "n"}], "apiVersion 'V1'"),
        (
            [
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "namespace": "a",
                    "name": "s",
                    "tls": {"expires": "0001-01-02T00:00:00Z"},
                }
            ],
            "between the years 1951 and 9000",
        ),
    ],
)
def test_bad_objects_are_one_clear_error(scenario_data, objects, problem) -> None:
    with pytest.raises(BadInputError, match=problem):
        load_scenario(scenario_data(kube={"objects": objects}), now=NOW)
