"""The kube simulators' few writes (a Job, an update, a pod's log) and the management
cluster behind remediations opened with managingCluster=management, over real HTTPS."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest

HOSTED = {
    "apiVersion": "hypershift.openshift.io/v1beta1",
    "kind": "HostedCluster",
    "namespace": "clusters",
    "name": "cluster-a",
}
JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "analysis-1"},
    "spec": {"template": {"spec": {"containers": [{"name": "analyzer", "image": "x"}]}}},
}


def remediation(ocm_session: Any, cluster: str, management: bool = False) -> Any:
    session = ocm_session()
    params = {
        "remediationName": "unit",
        **({"managingCluster": "management"} if management else {}),
    }
    reply = session.post(
        os.environ["BACKPLANE_URL"] + f"/backplane/remediation/{cluster}", params=params
    )
    if reply.status_code != 200:
        return reply
    base = os.environ["BACKPLANE_URL"] + reply.json()["proxy_uri"]

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return session.request(method, base + path, **kwargs)

    return call


@pytest.fixture
def hcp_world(running, scenario_data, ids) -> Any:
    data = scenario_data(
        kube={"jobs": {"outcome": "failed", "log": "customer side\n"}},
        management_kube={
            "objects": [HOSTED],
            "jobs": {"outcome": "succeeded", "log": "namespace,total_size_megabytes\n"},
        },
    )
    data["ocm"]["clusters"][0]["hcp"] = True
    return running(data)


def test_a_created_job_finishes_as_the_scenario_says_and_its_pod_prints_the_log(
    hcp_world, ocm_session, ids
) -> None:
    kube = remediation(ocm_session, ids.cluster, management=True)
    jobs = "/apis/batch/v1/namespaces/hcp/jobs"
    created = kube("POST", jobs, json=JOB)
    assert created.status_code == 201 and created.json()["status"]["succeeded"] == 1
    assert kube("POST", jobs, json=JOB).status_code == 409
    [pod] = kube(
        "GET", "/api/v1/namespaces/hcp/pods", params={"labelSelector": "job-name=analysis-1"}
    ).json()["items"]
    log = kube("GET", f"/api/v1/namespaces/hcp/pods/{pod['metadata']['name']}/log")
    assert log.text == "namespace,total_size_megabytes\n"
    assert kube("DELETE", f"{jobs}/analysis-1").status_code == 405
    changes = hcp_world.world.to_json()["kube_changes"]
    assert [o["kind"] for o in changes["management"]] == ["Job"] and "cluster" not in changes


def test_an_update_needs_the_current_resource_version(hcp_world, ocm_session, ids) -> None:
    kube = remediation(ocm_session, ids.cluster, management=True)
    path = "/apis/hypershift.openshift.io/v1beta1/namespaces/clusters/hostedclusters/cluster-a"
    current = kube("GET", path).json()
    stale = copy.deepcopy(current)
    current["metadata"]["annotations"] = {"hypershift.openshift.io/restart-date": "now"}
    updated = kube("PUT", path, json=current)
    assert updated.status_code == 200 and updated.json()["metadata"]["resourceVersion"] == "2"
    assert kube("PUT", path, json=stale).status_code == 409
    requests = [r for r in hcp_world.requests if r["service"] == "management_kube"]
    assert [r["method"] for r in requests if r["write"]] == ["PUT", "PUT"]


def test_the_two_clusters_are_apart(hcp_world, ocm_session, ids) -> None:
    customer = remediation(ocm_session, ids.cluster)
    path = "/apis/hypershift.openshift.io/v1beta1/namespaces/clusters/hostedclusters"
    assert customer("GET", path).status_code == 404  # only the management cluster has them
    created = customer("POST", "/apis/batch/v1/namespaces/openshift-etcd/jobs", json=JOB)
    assert created.json()["status"]["failed"] == 1  # the customer cluster's jobs: outcome


def test_a_management_remediation_needs_an_hcp_cluster(running, ocm_session, ids) -> None:
    running()
    refused = remediation(ocm_session, ids.cluster, management=True)
    assert refused.status_code == 400 and "not a hosted cluster" in refused.text


def test_health_endpoints_answer_ok(running, ocm_session, ids) -> None:
    running()
    kube = remediation(ocm_session, ids.cluster)
    assert [kube("GET", f"/{p}").text for p in ("healthz", "livez", "readyz")] == ["ok"] * 3
