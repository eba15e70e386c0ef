"""The scenario's ``ocm:`` and ``egress:`` sections (DESIGN §7): the clusters as OCM holds
them, and the verdict the egress verifier gives. Converted by the core's strict YAML
converter, so an unknown key or a wrong type is reported with its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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


@dataclass(frozen=True, kw_only=True)
class Egress:
    result: Literal["success", "failure", "error"] = "success"
    unreachable: tuple[str, ...] = ()

    def validate(self) -> None:
        if self.result == "failure" and not self.unreachable:
            raise ValueError("result: failure needs at least one unreachable target")
        if self.result != "failure" and self.unreachable:
            raise ValueError("unreachable is only meaningful with result: failure")
