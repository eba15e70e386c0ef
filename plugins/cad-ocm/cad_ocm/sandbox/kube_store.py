"""The cluster's API objects as the kube simulator serves them, built once per world.

Objects come from ``kube.objects`` and from the ``kube.clusteroperators`` sugar; each is
turned into its wire JSON up front (times resolved, metadata filled in, secret data
base64-encoded, TLS certificates generated), so serving a request only filters and pages.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cad_ocm.sandbox.certs import certificate_pem
from cad_ocm.sandbox.kube_scenario import (
    KNOWN_KINDS,
    ClusterOperator,
    Kube,
    KubeObject,
    kube_time,
    resolve_times,
)
from cad_ocm.sandbox.ocm_payloads import OPENSHIFT_VERSION

Key = tuple[str, str]  # (group, resource); the version is checked separately


@dataclass
class ResourceType:
    """One served group/version/resource and its objects, sorted by (namespace, name)."""

    group: str
    versions: set[str]
    resource: str
    kind: str
    namespaced: bool
    objects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def api_version(self) -> str:
        version = sorted(self.versions)[0]
        return f"{self.group}/{version}" if self.group else version


class KubeStore:
    """Every object of the scenario, by group and resource."""

    def __init__(self, kube: Kube, now: datetime) -> None:
        self.types: dict[Key, ResourceType] = {}
        for group, version, resource, kind, namespaced in _builtin_types():
            self._type(group, version, resource, kind, namespaced)
        for obj in kube.objects:
            group, version = obj.group_version
            namespaced = bool(obj.namespace)
            kind_type = self._type(group, version, obj.plural, obj.kind, namespaced)
            kind_type.objects.append(_object_json(obj, now))
        for name, operator in kube.clusteroperators.items():
            operators = self.types[("config.openshift.io", "clusteroperators")]
            operators.objects.append(_operator_json(name, operator, now))
        for served in self.types.values():
            served.objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), _name(o)))

    def find(self, group: str, version: str, resource: str) -> ResourceType | None:
        served = self.types.get((group, resource))
        return served if served is not None and version in served.versions else None

    def _type(
        self, group: str, version: str, resource: str, kind: str, namespaced: bool
    ) -> ResourceType:
        served = self.types.get((group, resource))
        if served is None:
            served = ResourceType(group, {version}, resource, kind, namespaced)
            self.types[(group, resource)] = served
        served.versions.add(version)
        return served


def _builtin_types() -> Iterable[tuple[str, str, str, str, bool]]:
    """Kinds served even when a scenario defines none of them: an empty list, not a 404."""
    groups = {
        "APIServer": ("config.openshift.io", "v1"),
        "ClusterOperator": ("config.openshift.io", "v1"),
        "ClusterVersion": ("config.openshift.io", "v1"),
        "Ingress": ("config.openshift.io", "v1"),
        "IngressController": ("operator.openshift.io", "v1"),
        "Machine": ("machine.openshift.io", "v1beta1"),
        "MachineHealthCheck": ("machine.openshift.io", "v1beta1"),
        "MachineSet": ("machine.openshift.io", "v1beta1"),
        "Job": ("batch", "v1"),
        "CertificateSigningRequest": ("certificates.k8s.io", "v1"),
        "MachineConfigPool": ("machineconfiguration.openshift.io", "v1"),
        "PodDisruptionBudget": ("policy", "v1"),
        "DaemonSet": ("apps", "v1"),
        "Deployment": ("apps", "v1"),
        "ReplicaSet": ("apps", "v1"),
        "StatefulSet": ("apps", "v1"),
    }
    for kind, (resource, namespaced) in KNOWN_KINDS.items():
        group, version = groups.get(kind, ("", "v1"))
        yield group, version, resource, kind, namespaced


def _name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "cad-sandbox/" + "/".join(parts)))


def _object_json(obj: KubeObject, now: datetime) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": obj.name}
    if obj.namespace:
        metadata["namespace"] = obj.namespace
    metadata["uid"] = _uid(obj.apiVersion, obj.plural, obj.namespace, obj.name)
    metadata["resourceVersion"] = "1"
    metadata["creationTimestamp"] = kube_time(now - timedelta(days=30))
    if obj.labels:
        metadata["labels"] = dict(obj.labels)
    if obj.annotations:
        metadata["annotations"] = resolve_times(dict(obj.annotations), now)
    metadata.update(resolve_times(obj.metadata, now))
    body: dict[str, Any] = {"apiVersion": obj.apiVersion, "kind": obj.kind, "metadata": metadata}
    body.update(resolve_times(obj.fields, now))
    for part in ("spec", "status"):
        value = getattr(obj, part)
        if value is not None:
            body[part] = resolve_times(value, now)
    data = dict(obj.data or {})
    if obj.tls is not None:
        data.update(_tls_data(obj))
    if obj.kind == "Secret":
        body["type"] = obj.type or ("kubernetes.io/tls" if obj.tls else "Opaque")
        body["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    elif obj.data is not None:
        body["data"] = data
    return body


def _tls_data(obj: KubeObject) -> dict[str, str]:
    assert obj.tls is not None
    cert, key = certificate_pem(
        common_name=obj.tls.common_name or obj.name,
        issuer=obj.tls.issuer,
        not_before=obj.tls.not_before,
        not_after=obj.tls.expires,
        dns_names=obj.tls.dns_names,
    )
    return {"tls.crt": cert, "tls.key": key}


def _operator_json(name: str, operator: ClusterOperator, now: datetime) -> dict[str, Any]:
    changed = kube_time(now - timedelta(hours=1))
    conditions = []
    for condition in operator.conditions:
        entry = {"type": condition.type, "status": condition.status}
        entry["lastTransitionTime"] = changed
        if condition.reason:  # omitempty in the Go type, as in real replies
            entry["reason"] = condition.reason
        if condition.message:
            entry["message"] = condition.message
        conditions.append(entry)
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {
            "name": name,
            "uid": _uid("clusteroperators", name),
            "resourceVersion": "1",
            "creationTimestamp": kube_time(now - timedelta(days=30)),
        },
        "spec": {},
        "status": {
            "conditions": conditions,
            "versions": [{"name": "operator", "version": OPENSHIFT_VERSION}],
            "relatedObjects": [],
        },
    }
