"""A big cluster (200 TLS secrets, 300 pods) through two kube investigations in one chain:
every list is paged, and no request is made twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml

pytest.importorskip("cad_expiredcertificates")
pytest.importorskip("cad_pdbblockingnodedrain")

from cad_sandbox.commands import run_scenario  # noqa: E402

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
STUCK = "ip-10-0-1-1"
ROUTING = {
    "alerts": [
        {
            "alert_title": "HCPNodepoolUpgradeDelay",
            "investigations": ["expiredcertificates", "precheck", "pdbblockingnodedrain"],
        }
    ]
}


def secret(namespace: str, number: int) -> dict[str, Any]:
    name = f"tls-{number:03d}"
    return {"apiVersion": "v1", "kind": "Secret", "namespace": namespace, "name": name,
            "tls": {"expires": f"+{30 + number}d"}}  # fmt: skip


def pod(number: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "namespace": "shop",
        "name": f"web-{number:03d}",
        "labels": {"app": "web"},
        "metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": f"web-{number % 3}"}]},
        "spec": {"nodeName": STUCK if number < 250 else "ip-10-0-1-2"},
    }


def world() -> dict[str, Any]:
    objects: list[dict[str, Any]] = [secret("openshift-config", n) for n in range(150)]
    objects += [secret("openshift-ingress", n) for n in range(150, 200)]
    objects += [pod(n) for n in range(300)]
    objects += [
        {
            "apiVersion": "config.openshift.io/v1",
            "kind": "APIServer",
            "name": "cluster",
            "spec": {
                "servingCerts": {"namedCertificates": [{"servingCertificate": {"name": "tls-007"}}]}
            },
        },  # fmt: skip
        {
            "apiVersion": "operator.openshift.io/v1",
            "kind": "IngressController",
            "namespace": "openshift-ingress-operator",
            "name": "default",
            "spec": {"defaultCertificate": {"name": "tls-160"}},
        },
        {"apiVersion": "config.openshift.io/v1", "kind": "Ingress", "name": "cluster"},
        {
            "apiVersion": "v1",
            "kind": "Node",
            "name": STUCK,
            "spec": {
                "taints": [
                    {
                        "key": "node.kubernetes.io/unschedulable",
                        "effect": "NoSchedule",
                        "timeAdded": "-1h",
                    }
                ]
            },
        },  # fmt: skip
        {"apiVersion": "v1", "kind": "Node", "name": "ip-10-0-1-2"},
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "namespace": "shop",
            "name": "web",
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 300},
            "status": {"disruptionsAllowed": 0, "currentHealthy": 300, "expectedPods": 300},
        },
    ]
    objects += [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "namespace": "shop", "name": f"web-{n}",
         "metadata": {"ownerReferences": [{"kind": "Deployment", "name": "web"}]}}
        for n in range(3)
    ]  # fmt: skip
    return {
        "name": "big-cluster",
        "pagerduty": {
            "incident": {
                "id": "Q1BIG",
                "title": "HCPNodepoolUpgradeDelay cluster-a",
                "service": {"id": "PSVC001", "summary": "prod"},
            },
            "alerts": [{"details": {"cluster_id": CLUSTER}}],
        },
        "ocm": {"clusters": [{"id": CLUSTER, "name": "cluster-a", "hcp": False}]},
        "kube": {"objects": objects},
    }


@pytest.mark.usefixtures("fast_scenario_runs")
def test_big_cluster_lists_are_paged_and_nothing_is_asked_twice(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CAD_KUBE_PAGE_SIZE", "100")
    scenario, config = tmp_path / "big.yaml", tmp_path / "routing.yaml"
    scenario.write_text(yaml.safe_dump(world()))
    config.write_text(yaml.safe_dump(ROUTING))
    result = run_scenario(str(scenario), config=str(config))
    assert result.exit_code == 0
    actions = Counter((a["type"], a["status"]) for a in result.runs[0][1]["actions"])
    assert actions == {
        ("cluster_report", "succeeded"): 2,
        ("incident_note", "succeeded"): 2,
        ("escalate_incident", "succeeded"): 1,
        ("incident_title", "succeeded"): 1,
    }

    requests = [(r["service"], r["method"], r["path"], r.get("query", "")) for r in result.requests]
    kube = [r for r in requests if r[0] == "kube"]
    assert [r for r, count in Counter(kube).items() if count > 1] == []

    def pages(path: str) -> list[str]:
        return [query for _, _, p, query in kube if p == path]

    config_pages = pages("/api/v1/namespaces/openshift-config/secrets")
    assert len(config_pages) == 2 and "continue=" in config_pages[1]
    pod_pages = pages("/api/v1/pods")
    assert len(pod_pages) == 3 and all("spec.nodeName%3D" + STUCK in q for q in pod_pages)
    lists = [q for _, _, path, q in kube if not _is_single_object(path)]
    assert lists and all(q.startswith("limit=100") for q in lists)
    # No named secret is fetched on its own: the namespace listings already held them.
    assert not any("/secrets/" in path for _, _, path, _ in kube)
    # Three ReplicaSets behind 250 pods: one list of the namespace's ReplicaSets.
    assert pages("/apis/apps/v1/namespaces/shop/replicasets") == ["limit=100"]
    assert not any("/replicasets/" in path for _, _, path, _ in kube)
    # One remediation per investigation, each opened once and deleted at the end.
    opened = [
        q for s, m, p, q in requests if s == "backplane" and m == "POST" and "remediation/" in p
    ]
    assert sorted(opened) == [
        "remediationName=expiredcertificates",
        "remediationName=pdbblockingnodedrain",
    ]
    note = result.world["pagerduty"]["incidents"]["Q1BIG"]["notes"][0]
    assert "openshift-config: all 150 certificates are valid" in note


def _is_single_object(path: str) -> bool:
    parts = path.strip("/").split("/")
    singletons = ("apiservers", "ingresscontrollers", "ingresses", "replicasets")
    return len(parts) >= 2 and parts[-2] in singletons
