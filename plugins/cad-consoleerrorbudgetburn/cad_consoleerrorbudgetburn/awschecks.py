"""The checks read from the customer's AWS account: the Route53 ``*.apps`` records (the
one that acts) and the VPC's DHCP option set.

A failed AWS call is a line in the report, as upstream: it says nothing about the cause.
"""

from __future__ import annotations

from typing import Any

from cad_core import InvestigationContext
from cad_core.errors import one_line

from cad_consoleerrorbudgetburn import messages

AMAZON_DNS = "AmazonProvidedDNS"


def cluster_domain(cluster: dict[str, Any]) -> str:
    """``<domain prefix>.<base domain>``, or '' when OCM does not say."""
    prefix = str(cluster.get("domain_prefix") or "")
    base = str((cluster.get("dns") or {}).get("base_domain") or "")
    return f"{prefix}.{base}" if prefix and base else ""


def apps_records_missing(ctx: InvestigationContext, session: Any, cluster: dict[str, Any]) -> bool:
    """True when the ``*.apps`` A record is missing from the private zone of the cluster's
    domain, or (unless PrivateLink) from the public zone of its base domain."""
    domain = cluster_domain(cluster)
    if not domain:
        ctx.notes.warning(messages.NO_CLUSTER_DOMAIN)
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    route53 = session.client("route53")
    record = "\\052.apps." + domain + "."  # how Route53 spells the wildcard
    private_link = bool((cluster.get("aws") or {}).get("private_link"))
    zones = [("private", domain)] + ([] if private_link else [("public", _base(cluster))])
    missing = []
    try:
        for kind, name in zones:
            zone = _zone(route53, name, kind == "private")
            if not zone:
                ctx.notes.warning(messages.no_zone(kind, name))
                return False
            if not _has_record(route53, zone, record):
                missing.append(kind)
    except (BotoCoreError, ClientError) as error:
        ctx.notes.warning(messages.read_failed("Route53", "the hosted zones", one_line(error)))
        return False
    if missing:
        ctx.notes.warning(messages.record_missing(_zones_text(missing), domain))
        return True
    ctx.notes.success(messages.records_present(_zones_text([k for k, _ in zones]), domain))
    return False


def _base(cluster: dict[str, Any]) -> str:
    return str((cluster.get("dns") or {}).get("base_domain") or "")


def _zones_text(kinds: list[str]) -> str:
    return " and ".join(kinds) + (" hosted zones" if len(kinds) > 1 else " hosted zone")


def _zone(route53: Any, name: str, private: bool) -> str:
    """The id (without ``/hostedzone/``) of the zone named ``name`` of that kind, or ''."""
    wanted = name if name.endswith(".") else name + "."
    reply = route53.list_hosted_zones_by_name(DNSName=wanted)
    for zone in reply.get("HostedZones") or []:
        is_private = bool((zone.get("Config") or {}).get("PrivateZone"))
        if zone.get("Name") == wanted and is_private == private:
            return str(zone.get("Id") or "").removeprefix("/hostedzone/")
    return ""


def _has_record(route53: Any, zone: str, record: str) -> bool:
    reply = route53.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName=record, StartRecordType="A", MaxItems="1"
    )
    found = (reply.get("ResourceRecordSets") or [{}])[0]
    return bool(found.get("Name") == record and found.get("Type") == "A")


def note_dhcp(ctx: InvestigationContext, session: Any, infra_id: str) -> None:
    if not infra_id:
        ctx.notes.warning(messages.NO_INFRA_ID)
        return
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        servers = _dhcp_servers(session.client("ec2"), infra_id)
    except (BotoCoreError, ClientError, LookupError) as error:
        ctx.notes.warning(messages.dhcp_unknown(one_line(error)))
        return
    if not servers:
        ctx.notes.success(messages.DHCP_DEFAULT)
    elif AMAZON_DNS not in servers:
        ctx.notes.warning(messages.dhcp_custom(servers))
    elif len(servers) > 1:
        ctx.notes.success(messages.dhcp_mixed([s for s in servers if s != AMAZON_DNS]))
    else:
        ctx.notes.success(messages.DHCP_DEFAULT)


def _dhcp_servers(ec2: Any, infra_id: str) -> list[str]:
    """The ``domain-name-servers`` of the DHCP options of the VPC tagged for the cluster."""
    tag = f"kubernetes.io/cluster/{infra_id}"
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": [tag]}]).get("Vpcs") or []
    if not vpcs:
        raise LookupError(f"no VPC carries the tag {tag}")
    options_id = str(vpcs[0].get("DhcpOptionsId") or "")
    if not options_id:
        raise LookupError(f"VPC {vpcs[0].get('VpcId')} has no DHCP option set")
    options = ec2.describe_dhcp_options(DhcpOptionsIds=[options_id]).get("DhcpOptions") or []
    if not options:
        raise LookupError(f"DHCP option set {options_id} not found")
    for entry in options[0].get("DhcpConfigurations") or []:
        if entry.get("Key") == "domain-name-servers":
            return [str(v.get("Value")) for v in entry.get("Values") or []]
    return []
