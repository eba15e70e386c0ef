"""Every resource of docs/resources.md, built from the recorded reference payloads."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import boto3.session
import pytest
from cad_core.errors import (
    BadInputError,
    NotFoundError,
    PermanentError,
    ResourceError,
    TransientError,
)
from cad_core.run.context import Resources

from cad_ocm.errors import AmbiguousClusterError

CLASSIC = "2h9pah3dia23jtu9or8f0kgt87lq15vc"
HCP = "21696abb0dbkvh0mh4lranlmvvqb11lg"
OSD = "aws-ready-1i9h2a904lpvh"


@pytest.fixture
def clusters(world, ref):
    world.add(
        ref("ocm_cluster_rosa_classic_sts"),
        pools=ref("ocm_machine_pools_list_fixed_replicas"),
        labels=[{"key": "ext-managed.openshift.io/hive-shard", "value": "true"}],
    )
    world.add(
        ref("ocm_cluster_rosa_hcp"),
        pools=ref("ocm_machine_pools_list_autoscaling"),
        logs=ref("ocm_service_logs_cluster_logs_list")["items"],
    )
    world.add(
        ref("ocm_cluster_osd_aws_nonccs"), pools=ref("ocm_machine_pools_list_empty"), protected=True
    )
    return world


@pytest.fixture
def run_resources(ocm_registry):
    made = []

    def make(cluster_id: str, investigation: str = "") -> Resources:
        resources = Resources(ocm_registry.resources(), cluster_id=cluster_id)
        made.append(resources)
        resources = resources.scoped(investigation)
        return resources

    yield make
    for resources in made:
        resources.close()


@pytest.mark.parametrize(
    "identifier", [CLASSIC, "720ddb78-c7c5-4267-a1ac-bd8a27e485e0", "zac-rosa-3b"]
)
def test_cluster_by_internal_id_external_id_or_name(
    clusters, fake, run_resources, identifier
) -> None:
    cluster = run_resources(identifier).get("cluster")
    assert cluster["id"] == CLASSIC and cluster["product"]["id"] == "rosa"
    [search] = fake.calls("GET", "/api/clusters_mgmt/v1/clusters")
    assert search.query["search"] == (
        f"(id like '{identifier}' or external_id like "
        f"'{identifier}' or display_name like '{identifier}')"
    )


def test_unknown_cluster_is_not_found(clusters, run_resources) -> None:
    with pytest.raises(ResourceError) as caught:
        run_resources("nope").get("cluster")
    assert isinstance(caught.value.cause, NotFoundError)
    assert "'nope'" in str(caught.value)


def test_ambiguous_cluster_is_bad_input(clusters, ref, run_resources) -> None:
    twin = {**ref("ocm_cluster_rosa_classic_sts"), "id": "other", "external_id": "x2"}
    clusters.add(twin)  # same display name as the classic cluster
    with pytest.raises(ResourceError) as caught:
        run_resources("zac-rosa-3b").get("cluster")
    assert isinstance(caught.value.cause, AmbiguousClusterError)
    assert isinstance(caught.value.cause, BadInputError)
    assert "matches 2 clusters" in str(caught.value)


def test_a_quote_in_the_identifier_is_refused_before_any_call(
    clusters, fake, run_resources
) -> None:
    with pytest.raises(ResourceError, match="single quote"):
        run_resources("x' or id like '%").get("cluster")
    assert fake.calls() == []


def test_the_cluster_is_fetched_once_for_all_resources(clusters, fake, run_resources) -> None:
    resources = run_resources(CLASSIC)
    for name in (
        "cluster",
        "machine_pools",
        "infra_cluster",
        "organization_id",
        "owner",
        "access_protected",
        "service_logs",
        "hibernation_periods",
        "aws_session",
    ):
        resources.get(name)
    assert len(fake.calls("GET", "/api/clusters_mgmt/v1/clusters")) == 1
    assert len(fake.token_calls()) == 1


def test_machine_pools_fixed_autoscaling_and_empty(clusters, run_resources) -> None:
    assert [(p["id"], p["replicas"]) for p in run_resources(CLASSIC).get("machine_pools")] == [
        ("worker", 4)
    ]
    [pool] = run_resources(HCP).get("machine_pools")
    assert pool["autoscaling"] == {"min_replicas": 1, "max_replicas": 2}
    assert run_resources(OSD).get("machine_pools") == []  # the reply has no "items" at all


def test_cluster_deployment_from_live_resources(clusters, fake, run_resources) -> None:
    deployment = {
        "kind": "ClusterDeployment",
        "spec": {"clusterMetadata": {"infraID": "zac-rosa-3b-kss2s"}},
    }
    fake.route(
        "GET",
        f"/api/clusters_mgmt/v1/clusters/{CLASSIC}/resources/live",
        body={
            "resources": {"cluster_deployment": json.dumps(deployment), "aws_account_claim": "{}"}
        },
    )
    value = run_resources(CLASSIC).get("cluster_deployment")
    assert value["spec"]["clusterMetadata"]["infraID"] == "zac-rosa-3b-kss2s"
    fake.route(
        "GET", f"/api/clusters_mgmt/v1/clusters/{OSD}/resources/live", body={"resources": {}}
    )
    with pytest.raises(ResourceError) as caught:
        run_resources(OSD).get("cluster_deployment")
    assert isinstance(caught.value.cause, NotFoundError)


def test_infra_cluster_from_labels_and_never_for_hcp(clusters, fake, run_resources) -> None:
    assert run_resources(CLASSIC).get("infra_cluster") is True
    assert run_resources(OSD).get("infra_cluster") is False
    assert run_resources(HCP).get("infra_cluster") is False
    assert not fake.calls(
        path=f"/api/clusters_mgmt/v1/clusters/{HCP}/external_configuration/labels"
    )


def test_infra_cluster_lookup_failure_propagates(clusters, fake, run_resources) -> None:
    fake.route(
        "GET",
        f"/api/clusters_mgmt/v1/clusters/{OSD}/external_configuration/labels",
        status=503,
        body={"reason": "down"},
    )
    with pytest.raises(ResourceError) as caught:
        run_resources(OSD).get("infra_cluster")
    assert isinstance(caught.value.cause, TransientError)


def test_service_logs_search_by_external_id_oldest_first(clusters, fake, run_resources) -> None:
    logs = run_resources(HCP).get("service_logs")
    everything = logs.search()
    assert [entry["summary"] for entry in everything][:2] == [
        "Default router is enabled",
        "NodePool added",
    ]
    assert everything[-1]["summary"] == "New upgrade version available"
    assert [e["id"] for e in logs.search("summary='NodePool added'")] == [
        "2KBiahooQ9NOh26lHuvSaVaJ9FQ"
    ]
    path = "/api/service_logs/v1/clusters/124a55e7-28ed-4841-8ae4-0916adb936ea/cluster_logs"
    assert fake.calls("GET", path)[-1].query["search"] == "summary='NodePool added'"
    assert "search" not in fake.calls("GET", path)[0].query


def test_hibernation_periods_from_cluster_state_logs(clusters, run_resources) -> None:
    clusters.logs[HCP] += [
        {
            "summary": "cluster_state_hibernating",
            "log_type": "cluster-state-updates",
            "timestamp": "2024-03-01T10:00:00Z",
        },
        {
            "summary": "cluster_state_ready",
            "log_type": "cluster-state-updates",
            "timestamp": "2024-03-02T11:00:00Z",
        },
    ]
    assert run_resources(HCP).get("hibernation_periods") == [
        {
            "hibernated": datetime(2024, 3, 1, 10, tzinfo=UTC),
            "resumed": datetime(2024, 3, 2, 11, tzinfo=UTC),
        }
    ]


def test_organization_and_owner_share_one_subscription_read(clusters, fake, run_resources) -> None:
    resources = run_resources(CLASSIC)
    assert resources.get("organization_id") == "org-2h9p"
    assert resources.get("owner") == {
        "id": "acct-2h9p",
        "email": "owner@example.com",
        "username": "owner",
    }
    assert (
        len(fake.calls(path="/api/accounts_mgmt/v1/subscriptions/2tocmBfjW2Emn0ZobMbxsk889tn")) == 1
    )


def test_no_subscription_means_no_organization_and_no_owner(clusters, ref, run_resources) -> None:
    bare = {
        **ref("ocm_cluster_osd_aws_nonccs"),
        "id": "bare",
        "external_id": "bare-x",
        "name": "bare",
        "display_name": "bare",
    }
    del bare["subscription"]
    clusters.add(bare)
    resources = run_resources("bare")
    assert resources.get("organization_id") == ""
    with pytest.raises(ResourceError) as caught:
        resources.get("owner")
    assert isinstance(caught.value.cause, NotFoundError)


def test_access_protection(clusters, fake, run_resources) -> None:
    assert run_resources(OSD).get("access_protected") is True
    assert fake.calls(path="/api/access_transparency/v1/access_protection")[-1].query == {
        "clusterId": OSD
    }
    fake.route("GET", "/api/access_transparency/v1/access_protection", body={})
    with pytest.raises(ResourceError, match="did not say"):
        run_resources(CLASSIC).get("access_protected")


def test_aws_session_from_backplane_credentials(clusters, fake, run_resources) -> None:
    session = run_resources(CLASSIC).get("aws_session")
    assert isinstance(session, boto3.session.Session)
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "AKIAEXAMPLE",
        "aws-secret",
        "tok",
    )
    assert session.region_name == "us-east-1"
    [call] = fake.calls("GET", f"/backplane/cloud/credentials/{CLASSIC}")
    assert call.bearer == "token-1"


def test_aws_session_failure_keeps_backplanes_text_but_no_secret(
    clusters, fake, run_resources
) -> None:
    text = (
        "could not assume support role in customer's account: api error AccessDenied: "
        "User is not authorized"
    )
    fake.route(
        "GET",
        f"/backplane/cloud/credentials/{CLASSIC}",
        status=500,
        body={"statusCode": 500, "message": text},
    )
    with pytest.raises(ResourceError) as caught:
        run_resources(CLASSIC).get("aws_session")
    assert caught.value.name == "aws_session"
    assert text in str(caught.value)
    fake.route(
        "GET",
        f"/backplane/cloud/credentials/{CLASSIC}",
        body={"credentials": json.dumps({"AccessKeyID": "AKIA", "SecretAccessKey": "aws-secret"})},
    )
    with pytest.raises(ResourceError, match="lack SessionToken") as caught:
        run_resources(CLASSIC).get("aws_session")
    assert "aws-secret" not in str(caught.value)


def test_kube_through_a_named_remediation_closed_at_the_end(clusters, fake, run_resources) -> None:
    proxied = f"/backplane/remediate/{CLASSIC}/chgm/api/v1/namespaces/openshift-monitoring"
    fake.route("GET", proxied, body={"kind": "Namespace"})
    resources = run_resources(CLASSIC, investigation="chgm")
    kube = resources.get("kube")
    assert kube.get("api/v1/namespaces/openshift-monitoring", {"limit": "1"}) == {
        "kind": "Namespace"
    }
    [opened] = fake.calls("POST", f"/backplane/remediation/{CLASSIC}")
    assert opened.query == {"remediationName": "chgm"}
    [read] = fake.calls("GET", proxied)
    assert read.query == {"limit": "1"} and read.bearer == "token-1"
    resources.close()
    with pytest.raises(PermanentError, match="was closed"):  # nothing through a deleted one
        kube.get("api/v1/namespaces/openshift-monitoring")
    assert len(fake.calls("GET", proxied)) == 1
    resources.close()
    [deleted] = fake.calls("DELETE", f"/backplane/remediation/{CLASSIC}")
    assert deleted.query == {"remediationInstanceId": "rem-1"}


def test_a_remediation_left_by_a_killed_run_is_removed_by_the_next_run(
    clusters, fake, run_resources, ocm_registry, tmp_path
) -> None:  # issue 14.7: two creates must mean two deletes
    killed = Resources(ocm_registry.resources(), cluster_id=CLASSIC).scoped("chgm")
    killed.get("kube")  # ... and the process dies here: close() never runs
    [entry] = (tmp_path / "state" / "remediations").glob("*/*.json")
    grant = json.loads(entry.read_text())
    assert (grant["cluster_id"], grant["instance_id"], grant["name"]) == (CLASSIC, "rem-1", "chgm")
    fresh = run_resources(CLASSIC, investigation="chgm")
    fresh.get("kube")  # not expired yet: a live run's grant is left alone
    assert fake.calls("DELETE", f"/backplane/remediation/{CLASSIC}") == []
    fresh.close()
    # What a run in another process, killed long ago, left: signed with CAD's key.
    from cad_ocm.grants import Grant, GrantLedger, ledger_key

    entry.unlink(missing_ok=True)  # fresh had the same id and forgot it already
    ledger = GrantLedger(key=ledger_key(os.environ["CAD_OCM_CLIENT_SECRET"]))
    ledger.record(Grant(CLASSIC, "rem-0", "chgm", expires=0, owner="a-killed-run"))
    later = run_resources(CLASSIC, investigation="chgm")
    later.get("kube")
    later.close()
    deleted = [c.query for c in fake.calls("DELETE", f"/backplane/remediation/{CLASSIC}")]
    assert deleted == [
        {"remediationInstanceId": "rem-1"},  # fresh's own, at its end
        {"remediationInstanceId": "rem-0"},  # the killed run's, found by the ledger
        {"remediationInstanceId": "rem-1"},  # later's own
    ]
    assert list((tmp_path / "state" / "remediations").glob("*/*.json")) == []


def test_a_remediation_is_removed_once_its_runs_heartbeat_stops(
    clusters, fake, run_resources, tmp_path
) -> None:  # issue 22.8: pods on other hosts, one alive and one killed
    import time

    from cad_ocm.grants import HEARTBEAT_GRACE_SECONDS, Grant, GrantLedger, ledger_key

    ledger = GrantLedger(key=ledger_key(os.environ["CAD_OCM_CLIENT_SECRET"]))
    now, silent = time.time(), time.time() - HEARTBEAT_GRACE_SECONDS - 1
    for instance, beat in (("rem-alive", now), ("rem-killed", silent)):
        pod = f"pod-{instance}"
        ledger.record(Grant(CLASSIC, instance, "chgm", now + 900, pod, pod, 1, now, beat))
    run = run_resources(CLASSIC, investigation="chgm")
    run.get("kube")
    run.close()
    deleted = [c.query for c in fake.calls("DELETE", f"/backplane/remediation/{CLASSIC}")]
    assert deleted == [{"remediationInstanceId": "rem-killed"}, {"remediationInstanceId": "rem-1"}]
    left = sorted(path.stem for path in (tmp_path / "state" / "remediations").glob("*/*.json"))
    assert left == ["rem-alive"]


def test_kube_needs_a_running_investigation(clusters, run_resources) -> None:
    with pytest.raises(ResourceError) as caught:
        run_resources(CLASSIC).get("kube")
    assert isinstance(caught.value.cause, BadInputError)


def test_each_investigation_gets_its_own_remediation(clusters, fake, ocm_registry) -> None:
    for name in ("first", "second"):
        fake.route("GET", f"/backplane/remediate/{CLASSIC}/{name}/api/v1/nodes", body={"n": name})
    resources = Resources(ocm_registry.resources(), cluster_id=CLASSIC)
    try:
        first, second = resources.scoped("first"), resources.scoped("second")
        assert first.get("kube").get("/api/v1/nodes") == {"n": "first"}
        assert second.get("kube").get("/api/v1/nodes") == {"n": "second"}
        assert first.get("kube").get("/api/v1/nodes") == {"n": "first"}
        opened = fake.calls("POST", f"/backplane/remediation/{CLASSIC}")
        assert [seen.query["remediationName"] for seen in opened] == ["first", "second"]
    finally:
        resources.close()
    assert len(fake.calls("DELETE", f"/backplane/remediation/{CLASSIC}")) == 2


def test_list_objects_follows_continue_tokens_and_get_object_maps_404(
    clusters, fake, run_resources
) -> None:
    base = f"/backplane/remediate/{CLASSIC}/certs"
    pages = {
        "": {"metadata": {"continue": "t1"}, "items": [{"n": 1}, {"n": 2}]},
        "t1": {"metadata": {"continue": ""}, "items": [{"n": 3}]},
    }
    fake.handle(
        "GET",
        f"{base}/api/v1/namespaces/openshift-config/secrets",
        lambda seen: (200, pages[seen.query.get("continue", "")], {}),
    )
    fake.route("GET", f"{base}/apis/config.openshift.io/v1/apiservers/cluster", status=404)
    kube = run_resources(CLASSIC, investigation="certs").get("kube")
    items = kube.list_objects(
        "v1",
        "secrets",
        namespace="openshift-config",
        field_selector="type=kubernetes.io/tls",
        page_size=2,
    )
    assert items == [{"n": 1}, {"n": 2}, {"n": 3}]
    listed = fake.calls("GET", f"{base}/api/v1/namespaces/openshift-config/secrets")
    assert [seen.query for seen in listed] == [
        {"limit": "2", "fieldSelector": "type=kubernetes.io/tls"},
        {"limit": "2", "fieldSelector": "type=kubernetes.io/tls", "continue": "t1"},
    ]
    assert kube.get_object("config.openshift.io/v1", "apiservers", "cluster") is None


def test_a_repeated_continue_token_stops_the_listing(clusters, fake, run_resources) -> None:
    base = f"/backplane/remediate/{CLASSIC}/loop"
    fake.route("GET", f"{base}/api/v1/pods", body={"metadata": {"continue": "same"}, "items": []})
    kube = run_resources(CLASSIC, investigation="loop").get("kube")
    with pytest.raises(PermanentError, match="continue token twice"):
        kube.list_objects("v1", "pods")
