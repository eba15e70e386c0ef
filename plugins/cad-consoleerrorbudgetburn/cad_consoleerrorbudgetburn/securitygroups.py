"""Do the load balancer's security groups let traffic in? A CLB's groups must allow TCP 443
from anywhere or the machine network; the NLB's targets' groups must allow the NodePort
range (30000-32767). Upstream's sgAllowsTCPInbound; notes only."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from cad_core import InvestigationContext

from cad_consoleerrorbudgetburn import messages
from cad_consoleerrorbudgetburn.kubechecks import covers

NODE_PORTS = (30000, 32767)
HTTPS = (443, 443)
ANYWHERE = "0.0.0.0/0"


def allows_tcp(
    groups: Iterable[Mapping[str, Any]], ports: tuple[int, int], machine_cidr: str
) -> bool:
    """A rule for TCP (or all traffic) over the whole port range; with a machine CIDR, from
    anywhere or from a range holding the machine network."""
    machine = _network(machine_cidr)
    for group in groups:
        for rule in group.get("IpPermissions") or []:
            protocol = rule.get("IpProtocol")
            if protocol not in ("tcp", "-1"):
                continue
            if protocol == "tcp" and not (
                int(rule.get("FromPort", 65536)) <= ports[0]
                and int(rule.get("ToPort", -1)) >= ports[1]
            ):
                continue
            if not machine_cidr:
                return True
            for entry in rule.get("IpRanges") or []:
                cidr = str(entry.get("CidrIp") or "")
                if cidr == ANYWHERE or (machine is not None and covers(cidr, machine)):
                    return True
    return False


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr, strict=False) if cidr else None
    except ValueError:
        return None


def note_https(
    ctx: InvestigationContext, ec2: Any, name: str, group_ids: list[str], machine_cidr: str
) -> None:
    if not group_ids:
        ctx.notes.warning(messages.clb_without_groups(name))
        return
    groups = ec2.describe_security_groups(GroupIds=group_ids).get("SecurityGroups") or []
    if allows_tcp(groups, HTTPS, machine_cidr):
        ctx.notes.success(messages.clb_allows_https(name))
    else:
        ctx.notes.warning(messages.clb_blocks_https(name, machine_cidr))


def note_node_ports(ctx: InvestigationContext, ec2: Any, instance_ids: list[str]) -> None:
    if not instance_ids:
        return
    reply = ec2.describe_instances(InstanceIds=instance_ids)
    group_ids = sorted(
        {
            str(group.get("GroupId"))
            for reservation in reply.get("Reservations") or []
            for instance in reservation.get("Instances") or []
            for group in instance.get("SecurityGroups") or []
        }
    )
    if not group_ids:
        ctx.notes.warning(messages.NO_TARGET_GROUPS)
        return
    groups = ec2.describe_security_groups(GroupIds=group_ids).get("SecurityGroups") or []
    if allows_tcp(groups, NODE_PORTS, ""):
        ctx.notes.success(messages.NODE_PORTS_OPEN)
    else:
        ctx.notes.warning(messages.NODE_PORTS_CLOSED)
