"""contrib/tekton: the manifests parse, hang together (names, params, commands) and are
valid against the Kubernetes and Tekton schemas of their kinds (vendored in
tests/data/schemas, so no network is needed)."""

from __future__ import annotations

import json
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
    if doc["kind"] not in ("ClusterInterceptor", "ClusterRoleBinding"):  # cluster-scoped
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
    from cad_core.config.routing import parse_config

    text = by_kind("ConfigMap")["cad-routing"]["data"]["routing.yaml"]
    config = parse_config(yaml.safe_load(text), "cad-routing")
    assert [r.name for r in config.alerts] == [
        "ClusterHasGoneMissing",
        "ClusterMonitoringErrorBudgetBurnSRE",
        "ClusterProvisioningDelay",
        "UpgradeConfigSyncFailureOver4HrSRE",
        "InsightsOperatorDown",
        "CannotRetrieveUpdatesSRE",
        "OCMAgentResponseFailure",
        "console-ErrorBudgetBurn",
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
        "cad-ocmagentresponsefailure",
        "cad-consoleerrorbudgetburn",
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


# --- schemas: every document against the Kubernetes or Tekton schema of its kind -------------

SCHEMAS = Path(__file__).resolve().parent / "data" / "schemas"
BASE = "https://cad.invalid/schemas/"  # a name for resolving, never fetched


def schema_registry() -> Any:
    from referencing import Registry, Resource

    registry: Any = Registry()
    for name in ("kubernetes.json", "tekton.json"):
        contents = json.loads((SCHEMAS / name).read_text())
        registry = registry.with_resource(BASE + name, Resource.from_contents(contents))
    return registry


def schema_name(doc: dict[str, Any]) -> str:
    """``Deployment.apps.v1``: the kind, then the API group and version, as the files key them."""
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    return ".".join(part for part in (doc.get("kind"), group, version) if part)


def validate(doc: dict[str, Any]) -> list[str]:
    """Every schema error in ``doc``, one line each (empty: valid)."""
    from jsonschema import Draft202012Validator

    name = schema_name(doc)
    files = [f for f in ("kubernetes.json", "tekton.json") if name in kinds_of(f)]
    assert files, f"no vendored schema for {name}: add it (see {SCHEMAS / 'vendor_kubernetes.py'})"
    schema = {"$ref": f"{BASE}{files[0]}#/$defs/{name}"}
    validator = Draft202012Validator(schema, registry=schema_registry())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def kinds_of(file: str) -> list[str]:
    return list(json.loads((SCHEMAS / file).read_text())["kinds"])


def with_templates(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents, and the resources the TriggerTemplates create (validated as they are)."""
    inner = [
        template
        for doc in docs
        if doc["kind"] == "TriggerTemplate"
        for template in doc["spec"]["resourcetemplates"]
    ]
    return docs + inner


@pytest.mark.parametrize(
    "doc", with_templates(documents()), ids=lambda d: f"{d['kind']}/{d['metadata'].get('name')}"
)
def test_every_manifest_is_valid_against_its_schema(doc: dict[str, Any]) -> None:
    assert validate(doc) == []


@pytest.mark.parametrize(
    ("kind", "change", "error"),
    [
        ("Deployment", lambda d: d["spec"].update(replica=2), "'replica' was unexpected"),
        (
            "Task",
            lambda d: d["spec"]["steps"][0]["env"].append({"value": "x"}),
            "'name' is a required property",
        ),
        (
            "EventListener",
            lambda d: d["spec"]["triggers"][0]["interceptors"][0]["ref"].update(kind="Cluster"),
            "'Cluster' is not one of",
        ),
        ("Pipeline", lambda d: d.update(apiVersion="tekton.dev/v1beta2"), "no vendored schema"),
    ],
)
def test_the_schemas_catch_a_typo_a_missing_field_and_a_wrong_value(
    kind: str, change: Any, error: str
) -> None:
    import copy

    [doc] = copy.deepcopy([d for d in documents() if d["kind"] == kind][:1])
    change(doc)
    try:
        problems = "\n".join(validate(doc))
    except AssertionError as missing:
        problems = str(missing)
    assert error in problems


def test_every_service_account_the_manifests_name_is_defined() -> None:
    accounts = set(by_kind("ServiceAccount"))
    named = {by_kind("EventListener")["cad-event-listener"]["spec"]["serviceAccountName"]}
    [run] = by_kind("TriggerTemplate")["cad-template"]["spec"]["resourcetemplates"]
    named.add(run["spec"]["taskRunTemplate"]["serviceAccountName"])
    assert named <= accounts


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


def _step_script() -> str:
    script: str = by_kind("Task")["cad-investigate"]["spec"]["steps"][0]["script"]
    return script


@pytest.mark.parametrize(
    ("codes", "runs", "exit_code"),
    [([0], 1, 0), ([1], 1, 1), ([75, 0], 2, 0), ([75, 75, 75], 3, 75), ([75, 2], 2, 2)],
)
def test_the_step_runs_cad_again_only_on_exit_75(
    tmp_path: Path, codes: list[int], runs: int, exit_code: int
) -> None:
    import os
    import subprocess

    # Stand-ins for `cad` (exits with the next code of the list) and `sleep` (no waiting).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "codes").write_text("\n".join(map(str, codes)) + "\n")
    cad = bin_dir / "cad"
    cad.write_text(
        "#!/bin/sh\n"
        f'echo run >> "{tmp_path}/runs"\n'
        f'code=$(head -n 1 "{tmp_path}/codes"); sed -i 1d "{tmp_path}/codes"\n'
        'exit "$code"\n'
    )
    (bin_dir / "sleep").write_text(f'#!/bin/sh\necho "$1" >> "{tmp_path}/pauses"\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    script = _step_script().replace("/tmp/payload", str(tmp_path / "payload"))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PAYLOAD": "{}"}
    done = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == exit_code, done.stderr
    assert (tmp_path / "runs").read_text().count("run") == runs
    if runs > 1:
        assert (tmp_path / "pauses").read_text().split() == ["60", "120"][: runs - 1]
