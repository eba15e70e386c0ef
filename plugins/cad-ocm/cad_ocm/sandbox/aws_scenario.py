"""The scenario's ``aws:`` section (DESIGN §7): instances, CloudTrail events, the VPC, and
whether the cloud credentials are granted. Converted by the core's strict YAML converter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

InstanceState = Literal["pending", "running", "shutting-down", "terminated", "stopping", "stopped"]
REGION = "us-east-1"
AWS_ACCOUNT = "123456789012"


@dataclass(frozen=True, kw_only=True)
class Instance:
    id: str
    name: str
    state: InstanceState = "running"
    stopped_at: datetime | None = None
    security_groups: tuple[str, ...] = ()  # ids, served in the instance's groupSet


@dataclass(frozen=True, kw_only=True)
class IngressRule:
    """One inbound rule of a security group (EC2 DescribeSecurityGroups' ipPermissions)."""

    protocol: str = "tcp"  # "tcp", "udp", or "-1" for all traffic
    from_port: int = 0
    to_port: int = 65535
    cidrs: tuple[str, ...] = ("0.0.0.0/0",)


@dataclass(frozen=True, kw_only=True)
class SecurityGroup:
    id: str
    rules: tuple[IngressRule, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CloudTrailEvent:
    event: str
    instances: tuple[str, ...]
    at: datetime | None = None  # None: the scenario's now
    username: str = ""
    issuer: str = ""  # the assumed role's name; empty for an IAM user
    event_version: str = "1.08"


@dataclass(frozen=True, kw_only=True)
class Subnet:
    """A subnet and whether its route table sends 0.0.0.0/0 anywhere (EC2 DescribeRouteTables)."""

    id: str
    route_to_internet: bool = True
    route_table: bool = True  # False: no route table is associated with the subnet


@dataclass(frozen=True, kw_only=True)
class Aws:
    instances: tuple[Instance, ...] = ()
    cloudtrail: tuple[CloudTrailEvent, ...] = ()
    credentials: Literal["ok", "denied"] = "ok"
    subnets: tuple[Subnet, ...] = ()
    main_route_to_internet: bool = True  # the VPC's main route table has 0.0.0.0/0
    # domain-name-servers of the VPC's DHCP option set; empty: the key is absent
    dhcp_servers: tuple[str, ...] = ("AmazonProvidedDNS",)
    security_groups: tuple[SecurityGroup, ...] = ()


class ScenarioView(Protocol):
    """What the AWS simulator reads of a loaded scenario (its sections are attributes)."""

    @property
    def aws(self) -> Aws: ...

    @property
    def ocm(self) -> Any: ...  # the clusters, for their infra ids

    @property
    def now(self) -> datetime: ...
