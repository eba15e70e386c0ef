"""SSO and OCM simulators, driven with ``requests`` over HTTPS."""

from __future__ import annotations

import json
import os

import requests


def url(path: str) -> str:
    return os.environ["CAD_OCM_URL"] + path


def test_wrong_client_secret_is_unauthorized_client(running) -> None:
    running()
    reply = requests.post(
        os.environ["CAD_OCM_TOKEN_URL"],
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        timeout=5,
    )
    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthorized_client"


def test_ocm_refuses_tokens_it_did_not_issue(running, ids) -> None:
    running()
    reply = requests.get(
        url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}"),
        headers={"Authorization": "Bearer forged"},
        timeout=5,
    )
    assert reply.status_code == 401
    assert reply.json()["kind"] == "Error" and reply.json()["code"] == "CLUSTERS-MGMT-401"


def test_cluster_search_by_any_identifier(ocm_session, running, ids) -> None:
    running()
    session = ocm_session()
    for identifier in (ids.cluster, ids.external, "cluster-a"):
        search = (
            f"(id like '{identifier}' or external_id like '{identifier}' "
            f"or display_name like '{identifier}')"
        )
        found = session.get(url("/api/clusters_mgmt/v1/clusters"), params={"search": search}).json()
        assert found["kind"] == "ClusterList" and found["total"] == 1
        cluster = found["items"][0]
        assert cluster["id"] == ids.cluster and cluster["external_id"] == ids.external
    missing = session.get(
        url("/api/clusters_mgmt/v1/clusters"), params={"search": "id like 'nope'"}
    ).json()
    assert missing["total"] == 0 and "items" not in missing  # as recorded OCM replies do


def test_cluster_json_has_the_fields_cad_reads(ocm_session, running, ids) -> None:
    running()
    cluster = ocm_session().get(url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}")).json()
    assert cluster["kind"] == "Cluster"
    assert cluster["product"]["id"] == "rosa" and cluster["cloud_provider"]["id"] == "aws"
    assert cluster["ccs"]["enabled"] is True and cluster["hypershift"]["enabled"] is False
    assert cluster["nodes"]["master"] == 3 and cluster["nodes"]["infra"] == 2
    assert cluster["infra_id"] == ids.infra and cluster["aws"]["sts"]["enabled"] is True
    assert cluster["subscription"]["id"]
    assert cluster["region"]["id"] == "us-east-1"


def test_unknown_cluster_is_an_ocm_404(ocm_session, running) -> None:
    running()
    reply = ocm_session().get(url("/api/clusters_mgmt/v1/clusters/nope"))
    assert reply.status_code == 404
    assert reply.json()["code"] == "CLUSTERS-MGMT-404" and "nope" in reply.json()["reason"]


def test_machine_pools_live_resources_labels_and_hypershift(ocm_session, running, ids) -> None:
    running()
    session = ocm_session()
    base = url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}")
    pools = session.get(f"{base}/machine_pools", params={"page": 1, "size": -1}).json()
    assert pools["kind"] == "MachinePoolList"
    assert [(p["id"], p.get("replicas"), p.get("autoscaling")) for p in pools["items"]] == [
        ("worker", 3, None),
        ("auto", None, {"min_replicas": 1, "max_replicas": 4}),
    ]
    live = session.get(f"{base}/resources/live").json()
    deployment = json.loads(live["resources"]["cluster_deployment"])
    assert deployment["spec"]["clusterMetadata"]["infraID"] == ids.infra
    labels = session.get(f"{base}/external_configuration/labels").json()
    assert labels.get("items", []) == []
    assert session.get(f"{base}/hypershift").json() == {"enabled": False}


def test_infra_cluster_label_and_error(ocm_session, running, scenario_data, ids) -> None:
    data = scenario_data()
    data["ocm"]["clusters"][0]["infra_cluster"] = True
    data["ocm"]["clusters"].append({"id": "broken", "infra_cluster": "error"})
    running(data)
    session = ocm_session()
    labels = session.get(
        url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}/external_configuration/labels")
    ).json()
    assert [(i["key"], i["value"]) for i in labels["items"]] == [
        ("ext-managed.openshift.io/hive-shard", "true")
    ]
    failing = session.get(
        url("/api/clusters_mgmt/v1/clusters/broken/external_configuration/labels")
    )
    assert failing.status_code == 500


def test_limited_support_post_and_list(ocm_session, running, ids) -> None:
    box = running()
    session = ocm_session()
    path = url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}/limited_support_reasons")
    body = {"kind": "LimitedSupportReason", "summary": "S", "details": "D"}
    created = session.post(path, json={**body, "detection_type": "manual"})
    assert created.status_code == 201 and created.json()["id"]
    listed = session.get(path).json()
    assert listed["total"] == 1 and listed["items"][0]["summary"] == "S"
    clusters = box.world.to_json()["ocm"]["clusters"]
    assert clusters[ids.cluster]["limited_support_reasons"] == [{"summary": "S", "details": "D"}]


def test_limited_support_on_uninstalling_cluster_is_refused(
    ocm_session, running, scenario_data, ids
) -> None:
    data = scenario_data()
    data["ocm"]["clusters"][0]["state"] = "uninstalling"
    running(data)
    reply = ocm_session().post(
        url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}/limited_support_reasons"),
        json={"summary": "S", "details": "D", "detection_type": "manual"},
    )
    assert reply.status_code == 400
    assert (
        "Operation is not allowed for a cluster in 'uninstalling' state" in reply.json()["reason"]
    )


def test_service_logs_search_and_hibernation(ocm_session, running, ids) -> None:
    running()
    session = ocm_session()
    path = url(f"/api/service_logs/v1/clusters/{ids.external}/cluster_logs")
    everything = session.get(path).json()
    assert everything["kind"] == "ClusterLogList" and everything["total"] == 3
    states = session.get(path, params={"search": "log_type='cluster-state-updates'"}).json()
    by_time = sorted(states["items"], key=lambda item: item["timestamp"])
    assert [i["summary"] for i in by_time] == ["cluster_state_hibernating", "cluster_state_ready"]
    assert by_time[0]["timestamp"].endswith("Z")
    none = session.get(path, params={"search": "summary = 'x' and severity = 'Info'"}).json()
    assert none["total"] == 0
    bad = session.get(path, params={"search": "colour = 'red'"})
    assert bad.status_code == 400 and bad.json()["code"] == "SERVICE-LOGS-400"


def test_post_service_log_by_internal_id(ocm_session, running, ids) -> None:
    box = running()
    session = ocm_session()
    entry = {
        "kind": "LogEntry",
        "severity": "Critical",
        "service_name": "SREManualAction",
        "summary": "Action required: network",
        "description": "Please fix egress.",
        "internal_only": False,
        "cluster_id": ids.cluster,
    }
    created = session.post(url("/api/service_logs/v1/cluster_logs"), json=entry)
    assert created.status_code == 201
    found = session.get(
        url(f"/api/service_logs/v1/clusters/{ids.external}/cluster_logs"),
        params={"search": "summary='Action required: network'"},
    ).json()
    assert found["total"] == 1 and found["items"][0]["severity"] == "Critical"
    logs = box.world.to_json()["ocm"]["clusters"][ids.cluster]["service_logs"]
    assert logs[-1] == {
        "summary": "Action required: network",
        "severity": "Critical",
        "service_name": "SREManualAction",
        "description": "Please fix egress.",
        "internal_only": False,
        "log_type": None,
    }
    bad = session.post(url("/api/service_logs/v1/cluster_logs"), json={**entry, "severity": "Bad"})
    assert bad.status_code == 400


def test_subscription_account_and_access_protection(ocm_session, running, ids) -> None:
    running()
    session = ocm_session()
    cluster = session.get(url(f"/api/clusters_mgmt/v1/clusters/{ids.cluster}")).json()
    subscription = session.get(url(cluster["subscription"]["href"])).json()
    assert subscription["organization_id"] == "org-sandbox"
    assert subscription["status"] == "Active"
    account = session.get(url(f"/api/accounts_mgmt/v1/accounts/{subscription['creator']['id']}"))
    assert account.json()["email"] and account.json()["username"]
    protection = session.get(
        url("/api/access_transparency/v1/access_protection"), params={"clusterId": ids.cluster}
    )
    assert protection.json() == {"enabled": False}
