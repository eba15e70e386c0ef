"""Backplane, the kube API behind a remediation proxy, and the egress verdict."""

from __future__ import annotations

import base64
import json
import os
import shlex
import subprocess

import requests


def backplane(path: str) -> str:
    return os.environ["BACKPLANE_URL"] + path


def test_cloud_credentials(ocm_session, running, ids) -> None:
    running()
    reply = ocm_session().get(backplane(f"/backplane/cloud/credentials/{ids.cluster}")).json()
    assert reply["cluster_id"] == ids.cluster and reply["region"] == "us-east-1"
    credentials = json.loads(reply["credentials"])
    assert set(credentials) == {
        "AccessKeyID",
        "SecretAccessKey",
        "SessionToken",
        "Region",
        "Expiration",
    }


def test_cloud_credentials_denied(ocm_session, running, scenario_data, ids) -> None:
    data = scenario_data()
    data["aws"]["credentials"] = "denied"
    running(data)
    reply = ocm_session().get(backplane(f"/backplane/cloud/credentials/{ids.cluster}"))
    assert reply.status_code == 403
    assert reply.json()["statusCode"] == 403
    assert "is not authorized to perform: sts:AssumeRole" in reply.json()["message"]


def test_backplane_needs_an_issued_token(running, ids) -> None:
    running()
    reply = requests.get(backplane(f"/backplane/cloud/credentials/{ids.cluster}"), timeout=5)
    assert reply.status_code == 401 and reply.json()["kind"] == "Error"


def test_remediation_then_kube_clusteroperators(ocm_session, running, ids) -> None:
    box = running()
    session = ocm_session()
    created = session.post(
        backplane(f"/backplane/remediation/{ids.cluster}"),
        params={"remediationName": "clustermonitoringerrorbudgetburn"},
    ).json()
    kube = os.environ["BACKPLANE_URL"] + created["proxy_uri"]
    operators = "/apis/config.openshift.io/v1/clusteroperators"
    listed = session.get(
        kube + operators, params={"fieldSelector": "metadata.name=monitoring"}
    ).json()
    assert listed["kind"] == "ClusterOperatorList" and len(listed["items"]) == 1
    conditions = listed["items"][0]["status"]["conditions"]
    assert conditions[0]["type"] == "Available" and conditions[0]["message"] == "broken"
    assert "reason" not in conditions[0]  # omitempty, as the apiserver serves it
    assert session.get(kube + f"{operators}/dns").json()["metadata"]["name"] == "dns"
    missing = session.get(kube + f"{operators}/etcd")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"
    deleted = session.delete(
        backplane(f"/backplane/remediation/{ids.cluster}"),
        params={"remediationInstanceId": created["remediationInstanceId"]},
    )
    assert deleted.status_code == 200
    assert session.get(kube + operators).status_code == 404
    kube_log = [r for r in box.requests if r["service"] == "kube"]
    assert kube_log[0]["path"] == operators


def test_kube_api_unavailable_fails_the_remediation(
    ocm_session, running, scenario_data, ids
) -> None:
    running(scenario_data(kube={"api": "unavailable"}))
    reply = ocm_session().post(
        backplane(f"/backplane/remediation/{ids.cluster}"), params={"remediationName": "x"}
    )
    assert reply.status_code == 503


def test_reports_round_trip_and_world_keeps_them_decoded(ocm_session, running, ids) -> None:
    box = running()
    session = ocm_session()
    encoded = base64.b64encode(b"## notes\nall fine").decode()
    path = backplane(f"/backplane/cluster/{ids.cluster}/reports")
    created = session.post(path, json={"summary": "2026-03-01T12:00:00Z : chgm", "data": encoded})
    assert created.status_code == 201 and created.json()["report_id"]
    listed = session.get(path).json()["reports"]
    assert listed[0]["data"] == encoded
    assert box.world.to_json()["backplane"]["reports"] == [
        {
            "cluster_id": ids.cluster,
            "summary": "2026-03-01T12:00:00Z : chgm",
            "data": "## notes\nall fine",
        }
    ]


def run_verifier() -> subprocess.CompletedProcess[str]:
    command = [*shlex.split(os.environ["CAD_NETWORK_VERIFIER"]), "egress", "--subnet-id", "x"]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, env=os.environ)


def test_fake_verifier_reports_each_outcome(running, scenario_data, sandbox, sandbox_env) -> None:
    running()  # the base scenario: two unreachable targets
    failed = run_verifier()
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        "egressURL error: nosnch.in:443",
        "egressURL error: quay.io:443",
    ]
    sandbox_env(sandbox(scenario_data(egress={"result": "success"})))
    passed = run_verifier()
    assert (passed.returncode, passed.stdout.strip()) == (0, "All tests passed")
    sandbox_env(sandbox(scenario_data(egress={"result": "error"})))
    broken = run_verifier()
    assert broken.returncode == 2
    assert broken.stderr.startswith("error: verifier could not run: ")
