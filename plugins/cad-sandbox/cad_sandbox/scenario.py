"""Scenario files (schema version 1): the world a sandbox run starts from.

Loading is strict: an unknown key, a wrong type or a bad time is a ``BadInputError`` naming
the file and line, so a typo never silently changes the world. Relative times (``-40m``)
are resolved once, against the ``now`` given to the loader.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from cad_core.config import strict_yaml
from cad_core.config.strict_yaml import read_source
from cad_core.config.yamlschema import Context, convert
from cad_core.errors import BadInputError

from cad_sandbox.catalog import bundled_examples
from cad_sandbox.extensions import webhook_body
from cad_sandbox.scenario_kube import ClusterOperator, Condition, Kube, KubeObject, TlsCertificate

__all__ = [
    "ClusterOperator",
    "Condition",
    "Kube",
    "KubeObject",
    "Scenario",
    "TlsCertificate",
    "bundled_examples",
    "load_scenario",
    "parse_scenario",
    "webhook_body",
]

KIND = "scenario"
SERVICES = ("sso", "ocm", "backplane", "kube", "management_kube", "egress")
ServiceName = Literal["sso", "ocm", "backplane", "kube", "management_kube", "egress"]
ClusterState = Literal[
    "error",
    "hibernating",
    "installing",
    "pending",
    "powering_down",
    "ready",
    "resuming",
    "uninstalling",
    "unknown",
    "updating",
    "validating",
    "waiting",
]
Severity = Literal[
    "Debug",
    "Info",
    "Warning",
    "Error",
    "Fatal",
    "Major",
    "Critical",
    "Important",
    "Moderate",
    "Low",
]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
ActionStatus = Literal[
    "succeeded",
    "skipped_duplicate",
    "failed",
    "dry_run",
    "dropped_by_policy",
    "replaced_by_policy",
    "not_run",
]


# --- ocm ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Nodes:
    master: int = 3
    infra: int = 2
    compute: int | None = None


@dataclass(frozen=True, kw_only=True)
class Autoscaling:
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True, kw_only=True)
class MachinePool:
    id: str
    replicas: int | None = None
    autoscaling: Autoscaling | None = None  # a pool with neither is legal: CAD must cope


@dataclass(frozen=True, kw_only=True)
class ServiceLog:
    summary: str
    description: str = ""
    severity: Severity = "Info"
    service_name: str = "SREManualAction"
    internal_only: bool = False
    log_type: str | None = None
    username: str = ""
    timestamp: datetime | None = None  # None: the scenario's now


@dataclass(frozen=True, kw_only=True)
class LimitedSupportReason:
    summary: str
    details: str = ""


@dataclass(frozen=True, kw_only=True)
class Hibernation:
    hibernated: datetime
    resumed: datetime | None = None  # None: still hibernating

    def validate(self) -> None:
        if self.resumed is not None and self.resumed < self.hibernated:
            raise ValueError("resumed must not be before hibernated")


@dataclass(frozen=True, kw_only=True)
class RegistryCredential:
    """One of the owner's registry credentials in OCM (accounts_mgmt)."""

    registry: str  # the registry's name, e.g. registry.redhat.io
    username: str = "sandbox-owner"
    token: str = "sandbox-token"


@dataclass(frozen=True, kw_only=True)
class Owner:
    """The subscription creator's OCM account."""

    email: str | None = None  # None: owner@<organization_id>.example.com
    banned: bool = False
    ban_code: str = ""
    ban_description: str = ""
    registry_credentials: tuple[RegistryCredential, ...] = ()

    def validate(self) -> None:
        if not self.banned and (self.ban_code or self.ban_description):
            raise ValueError("ban_code and ban_description need banned: true")


@dataclass(frozen=True, kw_only=True)
class Cluster:
    id: str
    external_id: str | None = None  # None: derived from id
    name: str | None = None  # None: the id
    state: ClusterState = "ready"
    product: str = "rosa"
    cloud_provider: Literal["aws", "gcp"] = "aws"
    ccs: bool = True
    hcp: bool = False
    nodes: Nodes = field(default_factory=Nodes)
    machine_pools: tuple[MachinePool, ...] = ()
    infra_id: str | None = None
    infra_cluster: bool | Literal["error"] = False  # "error": the labels endpoint answers 500
    organization_id: str = "org-sandbox"
    access_protected: bool = False
    service_logs: tuple[ServiceLog, ...] = ()
    limited_support_reasons: tuple[LimitedSupportReason, ...] = ()
    hibernation: tuple[Hibernation, ...] = ()
    dns_ready: bool = True
    subnet_ids: tuple[str, ...] = ()  # aws.subnet_ids: a customer-provided VPC (BYOVPC)
    private_link: bool = False  # aws.private_link
    machine_cidr: str = "10.0.0.0/16"  # network.machine_cidr
    owner: Owner = field(default_factory=Owner)

    @property
    def display_name(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, kw_only=True)
class Ocm:
    clusters: tuple[Cluster, ...] = ()

    def validate(self) -> None:
        for label, values in (
            ("id", [c.id for c in self.clusters]),
            ("external_id", [c.external_id for c in self.clusters if c.external_id]),
        ):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"cluster {label} used more than once: {', '.join(repeated)}")


# --- kube, egress ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Egress:
    result: Literal["success", "failure", "error"] = "success"
    unreachable: tuple[str, ...] = ()

    def validate(self) -> None:
        if self.result == "failure" and not self.unreachable:
            raise ValueError("result: failure needs at least one unreachable target")
        if self.result != "failure" and self.unreachable:
            raise ValueError("unreachable is only meaningful with result: failure")


# --- faults, latency, expectations ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Fault:
    service: ServiceName
    path: str  # exact, or an fnmatch glob such as /api/clusters_mgmt/v1/clusters/*
    method: HttpMethod | None = None  # None: any method
    status: int | None = None
    headers: dict[str, str | int | float] = field(default_factory=dict)
    times: int | None = None  # None: every matching request
    kind: Literal["status", "timeout", "reset"] = "status"

    def validate(self) -> None:
        if not self.path.startswith(("/", "*")):
            raise ValueError(
                f"path must start with / (or be a glob such as */alerts): {self.path!r}"
            )
        if self.kind == "status" and self.status is None:
            raise ValueError("a fault of kind status needs a status")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), got {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be 1 or more (leave it out for every request)")


@dataclass(frozen=True, kw_only=True)
class Latency:
    ocm: float = 0
    backplane: float = 0
    kube: float = 0

    def validate(self) -> None:
        negative = [f.name for f in dataclasses.fields(self) if getattr(self, f.name) < 0]
        if negative:
            raise ValueError(f"latency must not be negative: {', '.join(negative)}")

    def for_service(self, service: str) -> float:
        """Milliseconds for a service; SSO rides on OCM's server and egress on backplane's."""
        alias = {"sso": "ocm", "egress": "backplane", "management_kube": "kube"}
        return float(getattr(self, alias.get(service, service), 0))


@dataclass(frozen=True, kw_only=True)
class ExpectedAction:
    type: str
    status: ActionStatus


@dataclass(frozen=True, kw_only=True)
class Expect:
    exit_code: int | None = None
    actions: tuple[ExpectedAction, ...] | None = None
    world: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str = ""  # empty: the file name without extension
    description: str = ""
    version: Literal[1] = 1
    ocm: Ocm = field(default_factory=Ocm)
    kube: Kube = field(default_factory=Kube)
    # The HCP cluster's management cluster (backplane remediations with
    # managingCluster=management); same shape as kube.
    management_kube: Kube = field(default_factory=Kube)
    egress: Egress = field(default_factory=Egress)
    faults: tuple[Fault, ...] = ()
    latency_ms: Latency = field(default_factory=Latency)
    expect: Expect | None = None
    # Filled by the loader, never read from YAML:
    now: datetime = field(default=datetime.fromtimestamp(0, UTC), metadata={"internal": True})
    source: str = field(default="", metadata={"internal": True})
    # Plugins' own simulators (cad_sandbox.extensions); each owns the top-level key of its name.
    simulators: tuple[Any, ...] = field(default=(), metadata={"internal": True})

    def cluster(self, cluster_id: str) -> Cluster | None:
        return next((c for c in self.ocm.clusters if c.id == cluster_id), None)

    def webhook_body(self) -> bytes:
        """The alert this scenario sends, built by the alert source's simulator."""
        return webhook_body(self)


# --- loading --------------------------------------------------------------------------------


def load_scenario(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    now: datetime | None = None,
    simulators: tuple[Any, ...] | None = None,
) -> Scenario:
    """Load a scenario from a YAML file path or a dict, resolving times against ``now``.

    ``simulators``: the plugins' own simulators whose keys the scenario may use (default:
    those of the installed plugins, see :mod:`cad_sandbox.extensions`).
    """
    if isinstance(source, Mapping):
        node = strict_yaml.nodes_from_data(dict(source), kind=KIND)
        return _build(node, "(dict)", "", now, simulators)
    path = Path(source)
    text = read_source(path, KIND)  # bounded: a device or FIFO cannot hang it
    return parse_scenario(text, str(path), now=now, default_name=path.stem, simulators=simulators)


def parse_scenario(
    text: str,
    source: str,
    *,
    now: datetime | None = None,
    default_name: str = "",
    simulators: tuple[Any, ...] | None = None,
) -> Scenario:
    """Parse scenario YAML text; ``source`` names it in error messages."""
    return _build(_compose(text, source), source, default_name, now, simulators)


def _compose(text: str, source: str) -> yaml.Node:
    """Scenario YAML as nodes (they keep lines); an empty file is an error for a scenario."""
    node = strict_yaml.compose(text, source, kind=KIND)
    if node is None:
        raise BadInputError(f"{KIND} {source}: the file is empty")
    return node


def _build(
    node: Any, source: str, default_name: str, now: datetime | None, simulators: Any = None
) -> Scenario:
    from cad_sandbox import extensions

    now = _utc(now)
    simulators = extensions.installed_simulators() if simulators is None else tuple(simulators)
    schema = extensions.scenario_schema(simulators)
    scenario: Scenario = convert(node, schema, source, Context(now=now), kind=KIND)
    scenario = dataclasses.replace(
        scenario,
        name=scenario.name or default_name or "scenario",
        now=now,
        source=source,
        simulators=simulators,
    )
    extensions.check_seeds(scenario)
    return scenario


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(microsecond=0)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)
