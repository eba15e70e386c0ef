"""A Route53 simulator for ``cad sandbox`` (served only where cad-sandbox is installed).

botocore sends Route53 calls to ``AWS_ENDPOINT_URL_ROUTE_53`` when it is set (its
service-specific endpoint setting), so the sandbox points that at this simulator while
EC2 and CloudTrail stay on its own AWS endpoint. The scenario key ``route53`` seeds it::

    route53:
      zones:
      - {name: cluster-c.sandbox.devshift.org, private: true,
         records: ["*.apps.cluster-c.sandbox.devshift.org", api.cluster-c.sandbox.devshift.org]}

Records are A records; ``*`` is served as Route53 spells it, ``\\052``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from xml.etree import ElementTree

from cad_core import SandboxSimulator, SimError, SimRequest, SimResponse

NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/"
XML = {"Content-Type": "text/xml"}


def seed(value: Any = None) -> dict[str, Any]:
    """``{"zones": [{"id", "name", "private", "records"}]}``, names ending in a dot."""
    zones = (value or {}).get("zones") if isinstance(value, Mapping) else None
    if value is not None and not isinstance(zones, list):
        raise ValueError("route53 needs 'zones': a list of {name, private, records}")
    seeded = []
    for number, zone in enumerate(zones or [], start=1):
        if not isinstance(zone, Mapping) or not str(zone.get("name") or "").strip():
            raise ValueError(f"route53.zones[{number}] needs a name")
        records = zone.get("records") or []
        if not isinstance(records, list):
            raise ValueError(f"route53.zones[{number}].records must be a list of names")
        seeded.append(
            {
                "id": f"Z{number:04d}SANDBOX",
                "name": _absolute(str(zone["name"])),
                "private": bool(zone.get("private")),
                "records": sorted((_absolute(str(r)) for r in records), key=_order),
            }
        )
    return {"zones": seeded}


def _absolute(name: str) -> str:
    name = name.strip().replace("*", "\\052")
    return name if name.endswith(".") else name + "."


def _order(name: str) -> list[str]:
    """Route53 lists names by their labels read from the right."""
    return list(reversed(name.rstrip(".").split(".")))


def hosted_zones_by_name(request: SimRequest, world: dict[str, Any]) -> SimResponse:
    wanted = _absolute(request.query.get("dnsname", "")) if request.query.get("dnsname") else ""
    zones = sorted(world["zones"], key=lambda z: (z["name"] != wanted, _order(z["name"])))
    root = ElementTree.Element("ListHostedZonesByNameResponse", xmlns=NAMESPACE)
    listed = ElementTree.SubElement(root, "HostedZones")
    for zone in zones:
        item = ElementTree.SubElement(listed, "HostedZone")
        _text(item, "Id", f"/hostedzone/{zone['id']}")
        _text(item, "Name", zone["name"])
        _text(item, "CallerReference", zone["id"])
        config = ElementTree.SubElement(item, "Config")
        _text(config, "PrivateZone", "true" if zone["private"] else "false")
        _text(item, "ResourceRecordSetCount", str(len(zone["records"])))
    if wanted:
        _text(root, "DNSName", wanted)
    _text(root, "IsTruncated", "false")
    _text(root, "MaxItems", "100")
    return _xml(root)


def record_sets(request: SimRequest, world: dict[str, Any]) -> SimResponse:
    zone = next((z for z in world["zones"] if z["id"] == request.params["zone"]), None)
    if zone is None:
        raise SimError(404, f"No hosted zone found with ID: {request.params['zone']}")
    start = request.query.get("name", "")
    limit = int(request.query.get("maxitems") or 300)
    names = [n for n in zone["records"] if not start or _order(n) >= _order(start)][:limit]
    root = ElementTree.Element("ListResourceRecordSetsResponse", xmlns=NAMESPACE)
    listed = ElementTree.SubElement(root, "ResourceRecordSets")
    for name in names:
        item = ElementTree.SubElement(listed, "ResourceRecordSet")
        _text(item, "Name", name)
        _text(item, "Type", "A")
        _text(item, "TTL", "60")
        records = ElementTree.SubElement(item, "ResourceRecords")
        _text(ElementTree.SubElement(records, "ResourceRecord"), "Value", "10.0.0.10")
    _text(root, "IsTruncated", "false")
    _text(root, "MaxItems", str(limit))
    return _xml(root)


def _text(parent: ElementTree.Element, tag: str, value: str) -> None:
    ElementTree.SubElement(parent, tag).text = value


def _xml(root: ElementTree.Element) -> SimResponse:
    body = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return SimResponse(200, bytes(body), XML)


def registrations() -> Iterator[SandboxSimulator]:
    yield SandboxSimulator(
        name="route53",
        setting="AWS_ENDPOINT_URL_ROUTE_53",
        routes={
            "GET /2013-04-01/hostedzonesbyname": hosted_zones_by_name,
            "GET /2013-04-01/hostedzone/{zone}/rrset": record_sets,
        },
        seed=seed,
        description="Route53 hosted zones and their A records (consoleerrorbudgetburn)",
    )
    from cad_consoleerrorbudgetburn import elbsim

    yield from elbsim.registrations()
