"""Writes kubernetes.json: the Kubernetes schemas of the kinds contrib/tekton uses.

Run by hand when the kinds or the Kubernetes version change; the tests only read the
result, so they need no network and no 20 MB package::

    pip download --no-deps kubernetes-validate==1.37.0 -d /tmp/kv
    python tests/data/schemas/vendor_kubernetes.py /tmp/kv/kubernetes_validate-1.37.0-*.whl

The source is the strict, local JSON schemas that the kubernetes-validate package
(Apache-2.0) generates from the Kubernetes OpenAPI definitions. Kept: each kind's schema
and every definition it reaches, under ``$defs``; left out: descriptions (most of the
size, none of the meaning) and everything no kind here reaches. Tekton's steps embed
core types (env, envFrom, volumes, volumeMounts, resources): they are reached from the
Deployment, and tekton.json refers to them here.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

VERSION = "v1.33.0"
KINDS = {  # our name: the kind file in the package
    "Deployment.apps.v1": "deployment-apps-v1.json",
    "Service.v1": "service-v1.json",
    "ServiceAccount.v1": "serviceaccount-v1.json",
    "Secret.v1": "secret-v1.json",
    "ConfigMap.v1": "configmap-v1.json",
    "PersistentVolumeClaim.v1": "persistentvolumeclaim-v1.json",
    "Role.rbac.authorization.k8s.io.v1": "role-rbac-v1.json",
    "RoleBinding.rbac.authorization.k8s.io.v1": "rolebinding-rbac-v1.json",
    "ClusterRoleBinding.rbac.authorization.k8s.io.v1": "clusterrolebinding-rbac-v1.json",
}
DEFS = "/api/_definitions.json#/$defs/"


def strip(node: Any) -> Any:
    """Without descriptions and annotations, with every reference local to one file."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("description", "$id", "$schema", "x-kubernetes-group-version-kind"):
                continue
            if key == "$ref" and isinstance(value, str):
                value = "#/$defs/" + value.split("/$defs/", 1)[1]
            out[key] = strip(value)
        return out
    if isinstance(node, list):
        return [strip(item) for item in node]
    return node


def references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= references(value)
        return found
    if isinstance(node, list):
        return set().union(*(references(item) for item in node)) if node else set()
    return set()


def main(wheel: str) -> None:
    base = f"kubernetes_validate/kubernetes-json-schema/{VERSION}-local-strict/"
    with zipfile.ZipFile(wheel) as archive:
        definitions = json.loads(archive.read(base + "_definitions.json"))["$defs"]
        kinds = {name: strip(json.loads(archive.read(base + f))) for name, f in KINDS.items()}
    wanted: dict[str, Any] = {}
    todo = set().union(*(references(schema) for schema in kinds.values()))
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted[name] = strip(definitions[name])
            todo |= references(wanted[name]) - wanted.keys()
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Kubernetes {VERSION}, from kubernetes-validate: see vendor_kubernetes.py",
        "kinds": sorted(kinds),
        "$defs": {**dict(sorted(wanted.items())), **kinds},
    }
    out = Path(__file__).with_name("kubernetes.json")
    out.write_text(json.dumps(document, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{out}: {len(kinds)} kinds, {len(wanted)} definitions, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
