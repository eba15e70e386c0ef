"""The ``kube:`` part of a scenario: the customer cluster's API objects.

``kube.objects`` lists any objects by apiVersion and kind; ``kube.clusteroperators`` is
the older, shorter way to write ClusterOperators and is kept as sugar for objects.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cad_core.config.yamlschema import parse_time

# kind -> (plural resource, namespaced?) for the kinds CAD's investigations read. Any other
# kind is served too: its plural is guessed (or given as `resource:`) and its scope follows
# whether the object names a namespace.
KNOWN_KINDS: dict[str, tuple[str, bool]] = {
    "APIServer": ("apiservers", False),
    "ClusterOperator": ("clusteroperators", False),
    "CertificateSigningRequest": ("certificatesigningrequests", False),
    "ClusterVersion": ("clusterversions", False),
    "ConfigMap": ("configmaps", True),
    "DaemonSet": ("daemonsets", True),
    "Deployment": ("deployments", True),
    "Event": ("events", True),
    "Ingress": ("ingresses", False),  # config.openshift.io/v1 Ingress is cluster-scoped
    "IngressController": ("ingresscontrollers", True),
    "Job": ("jobs", True),
    "Machine": ("machines", True),
    "MachineConfigPool": ("machineconfigpools", False),
    "MachineHealthCheck": ("machinehealthchecks", True),
    "MachineSet": ("machinesets", True),
    "Namespace": ("namespaces", False),
    "Node": ("nodes", False),
    "Pod": ("pods", True),
    "PodDisruptionBudget": ("poddisruptionbudgets", True),
    "ReplicaSet": ("replicasets", True),
    "Secret": ("secrets", True),
    "StatefulSet": ("statefulsets", True),
}
# Keys whose string values may be relative times (`-40m`): lastTransitionTime,
# creationTimestamp, deletionTimestamp, a taint's timeAdded, annotations such as
# hypershift.openshift.io/restart-date, ...
TIME_KEY = re.compile(r"(Time|Timestamp|Added|-date)$")
API_VERSION = re.compile(r"^([a-z0-9.-]+/)?v[0-9]+((alpha|beta)[0-9]+)?$")
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
OWN_METADATA = ("name", "namespace", "labels", "annotations")


def plural_of(kind: str) -> str:
    known = KNOWN_KINDS.get(kind)
    if known:
        return known[0]
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


@dataclass(frozen=True, kw_only=True)
class Condition:
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class ClusterOperator:
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TlsCertificate:
    """A generated certificate for a Secret of type kubernetes.io/tls."""

    expires: datetime
    issued: datetime | None = None  # None: 90 days before it expires
    common_name: str = ""  # empty: the secret's name
    issuer: str = "cad-sandbox-signer"
    dns_names: tuple[str, ...] = ()

    def validate(self) -> None:
        # X.509 validity dates must stay encodable, and 90 days before must exist.
        for label, moment in (("expires", self.expires), ("issued", self.issued)):
            if moment is not None and not 1951 <= moment.year <= 9000:
                raise ValueError(f"{label} must be a time between the years 1951 and 9000")
        if self.issued is not None and self.issued >= self.expires:
            raise ValueError("issued must be before expires")

    @property
    def not_before(self) -> datetime:
        return self.issued or self.expires - timedelta(days=90)


@dataclass(frozen=True, kw_only=True)
class KubeObject:
    apiVersion: str  # the kube API's own spelling, as scenario authors write it
    kind: str
    name: str
    namespace: str = ""
    resource: str = ""  # the plural in the URL; empty: derived from kind
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # more: ownerReferences, ...
    spec: Any = None
    status: Any = None
    # Top-level fields of kinds that keep them outside spec and status, served as given:
    # an Event's type, reason, message, count, lastTimestamp, involvedObject; NodeMetrics'
    # usage.
    fields: dict[str, Any] = field(default_factory=dict)
    data: dict[str, str] | None = None  # Secrets: plain text here, base64 on the wire
    type: str = ""  # Secrets: e.g. kubernetes.io/tls
    tls: TlsCertificate | None = None

    def validate(self) -> None:
        if not API_VERSION.match(self.apiVersion):
            raise ValueError(f"apiVersion {self.apiVersion!r} is not group/version or v1")
        if not NAME.match(self.name) or (self.namespace and not NAME.match(self.namespace)):
            raise ValueError("name and namespace must be lower-case DNS names")
        known = KNOWN_KINDS.get(self.kind)
        if known and known[1] != bool(self.namespace):
            need = "needs a namespace" if known[1] else "is cluster-scoped (no namespace)"
            raise ValueError(f"kind {self.kind} {need}")
        if self.tls is not None and self.kind != "Secret":
            raise ValueError("tls: is only for kind Secret")
        clash = [key for key in OWN_METADATA if key in self.metadata]
        if clash:
            raise ValueError(f"write {', '.join(clash)} beside metadata, not inside it")
        taken = {"apiVersion", "kind", "metadata", "spec", "status", "data"}
        if taken & set(self.fields):
            raise ValueError(f"write {', '.join(sorted(taken & set(self.fields)))} beside fields")
        for part in (self.metadata, self.spec, self.status, self.fields):
            check_plain(part, "")

    @property
    def plural(self) -> str:
        return self.resource or plural_of(self.kind)

    @property
    def group_version(self) -> tuple[str, str]:
        group, _, version = self.apiVersion.rpartition("/")
        return group, version


@dataclass(frozen=True, kw_only=True)
class Jobs:
    """What becomes of a batch/v1 Job CAD creates on this cluster: its status at once, and
    one pod (label ``job-name``) whose ``/log`` prints ``log``."""

    outcome: Literal["succeeded", "failed", "running"] = "succeeded"
    log: str = ""


@dataclass(frozen=True, kw_only=True)
class Kube:
    clusteroperators: dict[str, ClusterOperator] = field(default_factory=dict)
    objects: tuple[KubeObject, ...] = ()
    api: Literal["ok", "unavailable"] = "ok"
    jobs: Jobs = field(default_factory=Jobs)

    def validate(self) -> None:
        keys = [(o.group_version[0], o.plural, o.namespace, o.name) for o in self.objects]
        keys += [("config.openshift.io", "clusteroperators", "", n) for n in self.clusteroperators]
        counts = Counter(keys)  # scenarios may hold thousands of objects: no count() per key
        repeated = sorted("/".join(filter(None, k)) for k, n in counts.items() if n > 1)
        if repeated:
            raise ValueError(f"kube object defined more than once: {', '.join(repeated)}")


def check_plain(value: Any, key: str) -> None:
    """Plain JSON data, and time keys holding times (so a typo fails at load, not later)."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_plain(item, str(name))
    elif isinstance(value, list):
        for item in value:
            check_plain(item, key)
    elif isinstance(value, str) and TIME_KEY.search(key):
        parse_time(value, datetime.now(UTC))
    elif not isinstance(value, str | int | float | bool | datetime) and value is not None:
        raise ValueError(f"{key or 'a value'} must be plain data, not {type(value).__name__}")


def resolve_times(value: Any, now: datetime, key: str = "") -> Any:
    """A copy with relative times resolved and every time written as the API writes it."""
    if isinstance(value, dict):
        return {name: resolve_times(item, now, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [resolve_times(item, now, key) for item in value]
    if isinstance(value, datetime) or (isinstance(value, str) and TIME_KEY.search(key)):
        return kube_time(parse_time(value, now))
    return value


def kube_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
