"""contrib/tekton: the manifests parse and hang together (names, params, commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

TEKTON = Path(__file__).resolve().parents[1] / "contrib" / "tekton"


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(TEKTON.glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_document_has_the_required_fields(doc: dict[str, Any]) -> None:
    assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
    if doc["kind"] not in ("ClusterInterceptor",):
        assert doc["metadata"]["namespace"] == "cad"


def test_event_listener_references_exist() -> None:
    [listener] = by_kind("EventListener").values()
    [trigger] = listener["spec"]["triggers"]
    assert trigger["interceptors"][0]["ref"]["name"] in by_kind("ClusterInterceptor")
    assert trigger["bindings"][0]["ref"] in by_kind("TriggerBinding")
    assert trigger["template"]["ref"] in by_kind("TriggerTemplate")


def test_payload_flows_from_the_interceptor_to_the_task() -> None:
    [binding] = by_kind("TriggerBinding").values()
    assert binding["spec"]["params"] == [
        {"name": "payload", "value": "$(extensions.payload_base64)"}
    ]
    [template] = by_kind("TriggerTemplate").values()
    [run] = template["spec"]["resourcetemplates"]
    assert run["spec"]["pipelineRef"]["name"] in by_kind("Pipeline")
    task = by_kind("Task")["cad-investigate"]
    assert "cad run --payload-path /tmp/payload" in task["spec"]["steps"][0]["script"]


def test_interceptor_deployment_runs_cad_interceptor_with_its_secrets() -> None:
    deployment = by_kind("Deployment")["cad-interceptor"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["args"][0] == "interceptor"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert refs <= set(by_kind("Secret")) | set(by_kind("ConfigMap"))
    service = by_kind("ClusterInterceptor")["cad-interceptor"]["spec"]["clientConfig"]["service"]
    assert service["name"] in by_kind("Service") and service["port"] == 8080


def test_routing_config_in_the_configmap_is_valid() -> None:
    from cad_core.config import parse_config

    text = by_kind("ConfigMap")["cad-routing"]["data"]["routing.yaml"]
    config = parse_config(yaml.safe_load(text), "cad-routing")
    assert [r.name for r in config.alerts] == [
        "ClusterHasGoneMissing",
        "ClusterMonitoringErrorBudgetBurnSRE",
        "ClusterProvisioningDelay",
        "UpgradeConfigSyncFailureOver4HrSRE",
        "InsightsOperatorDown",
        "CannotRetrieveUpdatesSRE",
    ]


def test_containerfile_installs_the_production_plugins() -> None:
    text = (TEKTON / "Containerfile").read_text()
    for plugin in (
        "cad-pagerduty",
        "cad-ocm",
        "cad-chgm",
        "cad-errorbudgetburn",
        "cad-lease",
        "cad-cpd",
        "cad-upgradeconfigsync",
        "cad-insightsoperatordown",
        "cad-cannotretrieveupdates",
    ):
        assert f"./plugins/{plugin}" in text
    assert "cad-sandbox" not in text and 'ENTRYPOINT ["cad"]' in text


def test_pipeline_runs_may_keep_their_locks_as_leases_and_nothing_more() -> None:
    [run] = by_kind("TriggerTemplate")["cad-template"]["spec"]["resourcetemplates"]
    account = run["spec"]["taskRunTemplate"]["serviceAccountName"]
    assert account in by_kind("ServiceAccount")
    [step] = by_kind("Task")["cad-investigate"]["spec"]["steps"]
    assert {"name": "CAD_LOCK_PROVIDER", "value": "lease"} in step["env"]
    [binding] = [
        b
        for b in by_kind("RoleBinding").values()
        if {"kind": "ServiceAccount", "name": account, "namespace": "cad"} in b["subjects"]
    ]
    assert binding["roleRef"]["kind"] == "Role"
    [rule] = by_kind("Role")[binding["roleRef"]["name"]]["rules"]
    assert rule["apiGroups"] == ["coordination.k8s.io"] and rule["resources"] == ["leases"]
    # cad-lease reads, creates, takes over (update) and deletes; never lists or watches.
    assert sorted(rule["verbs"]) == ["create", "delete", "get", "update"]


def test_the_interceptor_keeps_its_replay_window_in_leases() -> None:  # issue 22.13
    spec = by_kind("Deployment")["cad-interceptor"]["spec"]["template"]["spec"]
    [container] = spec["containers"]
    assert {"name": "CAD_LOCK_PROVIDER", "value": "lease"} in container["env"]
    account = spec["serviceAccountName"]
    assert account in by_kind("ServiceAccount")
    [binding] = [
        b
        for b in by_kind("RoleBinding").values()
        if {"kind": "ServiceAccount", "name": account, "namespace": "cad"} in b["subjects"]
    ]
    [rule] = by_kind("Role")[binding["roleRef"]["name"]]["rules"]
    assert rule["resources"] == ["leases"]
    # Claims are read, made, taken over, slid, dropped; the expired ones listed and deleted.
    assert sorted(rule["verbs"]) == ["create", "delete", "get", "list", "update"]
