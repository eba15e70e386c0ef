"""EC2 DescribeInstances, DescribeRouteTables, DescribeSubnets, DescribeVpcs,
DescribeDhcpOptions and DescribeSecurityGroups over the Query protocol, in EC2's XML."""

from __future__ import annotations

import base64
import fnmatch
import uuid
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

from cad_core.plugins.simwire import HttpProblem

from cad_ocm.sandbox.aws_scenario import AWS_ACCOUNT, REGION, Instance, ScenarioView

XML_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
STOPPED_STATES = ("stopping", "stopped", "shutting-down", "terminated")

InstanceFilter = Callable[[Instance, dict[str, str]], bool]


def describe_instances(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    instances = _select(scenario, form)
    start, page_size = _paging(form)
    page = instances[start : start + page_size] if page_size else instances[start:]
    root = ElementTree.Element("DescribeInstancesResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    reservations = ElementTree.SubElement(root, "reservationSet")
    for instance in page:
        _reservation(reservations, instance, scenario)
    if page_size and start + page_size < len(instances):
        _text(root, "nextToken", _token(start + page_size))
    return _xml(root)


VPC_ID = "vpc-0sandbox"
MAIN_TABLE_ID = "rtb-0main"
DHCP_OPTIONS_ID = "dopt-0sandbox"


def describe_route_tables(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    """One route table per scenario subnet that has one, and the VPC's main table.

    Filters: ``association.subnet-id`` (the subnets' own tables) or ``vpc-id`` (every table
    of the one VPC, the main one included). Every table has the VPC's local route; a
    subnet with ``route_to_internet`` (the main table with ``aws.main_route_to_internet``)
    also has ``0.0.0.0/0`` through a NAT gateway, as a private BYOVPC subnet would.
    """
    wanted: list[str] | None = None
    vpcs: list[str] | None = None
    for number in _indexes(form, "Filter", ".Name"):
        name = form[f"Filter.{number}.Name"]
        values = _numbered(form, f"Filter.{number}.Value")
        if name == "association.subnet-id":
            wanted = values
        elif name == "vpc-id":
            vpcs = values
        else:
            raise HttpProblem(
                400, f"The filter '{name}' is invalid", aws_code="InvalidParameterValue"
            )
    root = ElementTree.Element("DescribeRouteTablesResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    tables = ElementTree.SubElement(root, "routeTableSet")
    if vpcs is not None and VPC_ID not in vpcs:
        return _xml(root)
    for subnet in scenario.aws.subnets:
        if subnet.route_table and (wanted is None or subnet.id in wanted):
            table_id = "rtb-" + subnet.id.removeprefix("subnet-")
            item = _table(tables, table_id, subnet.id, subnet.route_to_internet)
            ElementTree.SubElement(item, "tagSet")
    if wanted is None:
        main = _table(tables, MAIN_TABLE_ID, "", scenario.aws.main_route_to_internet)
        ElementTree.SubElement(main, "tagSet")
    return _xml(root)


def describe_subnets(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    """The scenario's subnets, all in one VPC; an unknown id is EC2's NotFound error."""
    wanted = _numbered(form, "SubnetId")
    known = {subnet.id for subnet in scenario.aws.subnets}
    for subnet_id in wanted:
        if subnet_id not in known:
            raise HttpProblem(
                400,
                f"The subnet ID '{subnet_id}' does not exist",
                aws_code="InvalidSubnetID.NotFound",
            )
    root = ElementTree.Element("DescribeSubnetsResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    subnets = ElementTree.SubElement(root, "subnetSet")
    for subnet in scenario.aws.subnets:
        if not wanted or subnet.id in wanted:
            item = ElementTree.SubElement(subnets, "item")
            _text(item, "subnetId", subnet.id)
            _text(item, "vpcId", VPC_ID)
            _text(item, "state", "available")
            _text(item, "cidrBlock", "10.0.0.0/24")
            _text(item, "ownerId", AWS_ACCOUNT)
    return _xml(root)


def describe_vpcs(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    """The one VPC, tagged ``kubernetes.io/cluster/<infra id>`` for every scenario cluster;
    filter ``tag-key`` (patterns allowed)."""
    tags = [f"kubernetes.io/cluster/{c.infra_id}" for c in scenario.ocm.clusters if c.infra_id]
    for number in _indexes(form, "Filter", ".Name"):
        name = form[f"Filter.{number}.Name"]
        if name != "tag-key":
            raise HttpProblem(
                400, f"The filter '{name}' is invalid", aws_code="InvalidParameterValue"
            )
        values = _numbered(form, f"Filter.{number}.Value")
        if not any(fnmatch.fnmatchcase(t, v) for t in tags for v in values):
            tags = []
    root = ElementTree.Element("DescribeVpcsResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    vpcs = ElementTree.SubElement(root, "vpcSet")
    if tags:
        item = ElementTree.SubElement(vpcs, "item")
        _text(item, "vpcId", VPC_ID)
        _text(item, "state", "available")
        _text(item, "cidrBlock", "10.0.0.0/16")
        _text(item, "dhcpOptionsId", DHCP_OPTIONS_ID)
        tag_set = ElementTree.SubElement(item, "tagSet")
        for key in tags:
            tag = ElementTree.SubElement(tag_set, "item")
            _text(tag, "key", key)
            _text(tag, "value", "owned")
    return _xml(root)


def describe_dhcp_options(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    """The VPC's option set; ``domain-name-servers`` from ``aws.dhcp_servers``."""
    wanted = _numbered(form, "DhcpOptionsId")
    if wanted and wanted != [DHCP_OPTIONS_ID]:
        message = f"The dhcpOption ID '{wanted[0]}' does not exist"
        raise HttpProblem(400, message, aws_code="InvalidDhcpOptionID.NotFound")
    root = ElementTree.Element("DescribeDhcpOptionsResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    item = ElementTree.SubElement(ElementTree.SubElement(root, "dhcpOptionsSet"), "item")
    _text(item, "dhcpOptionsId", DHCP_OPTIONS_ID)
    _text(item, "ownerId", AWS_ACCOUNT)
    configurations = ElementTree.SubElement(item, "dhcpConfigurationSet")
    if scenario.aws.dhcp_servers:
        entry = ElementTree.SubElement(configurations, "item")
        _text(entry, "key", "domain-name-servers")
        values = ElementTree.SubElement(entry, "valueSet")
        for server in scenario.aws.dhcp_servers:
            _text(ElementTree.SubElement(values, "item"), "value", server)
    return _xml(root)


def describe_security_groups(scenario: ScenarioView, form: dict[str, str]) -> bytes:
    """``aws.security_groups`` asked for by ``GroupId.N``; an unknown id is NotFound."""
    wanted = _numbered(form, "GroupId")
    known = {group.id: group for group in scenario.aws.security_groups}
    missing = [group_id for group_id in wanted if group_id not in known]
    if missing:
        message = f"The security group '{missing[0]}' does not exist"
        raise HttpProblem(400, message, aws_code="InvalidGroup.NotFound")
    root = ElementTree.Element("DescribeSecurityGroupsResponse", xmlns=XML_NAMESPACE)
    _text(root, "requestId", str(uuid.uuid4()))
    listed = ElementTree.SubElement(root, "securityGroupInfo")
    for group_id in wanted or list(known):
        item = ElementTree.SubElement(listed, "item")
        _text(item, "groupId", group_id)
        _text(item, "groupName", group_id)
        _text(item, "vpcId", VPC_ID)
        permissions = ElementTree.SubElement(item, "ipPermissions")
        for rule in known[group_id].rules:
            permission = ElementTree.SubElement(permissions, "item")
            _text(permission, "ipProtocol", rule.protocol)
            if rule.protocol != "-1":
                _text(permission, "fromPort", str(rule.from_port))
                _text(permission, "toPort", str(rule.to_port))
            ranges = ElementTree.SubElement(permission, "ipRanges")
            for cidr in rule.cidrs:
                _text(ElementTree.SubElement(ranges, "item"), "cidrIp", cidr)
    return _xml(root)


def _table(
    parent: ElementTree.Element, table_id: str, subnet_id: str, to_internet: bool
) -> ElementTree.Element:
    """A route table; with no ``subnet_id`` it is the VPC's main table."""
    item = ElementTree.SubElement(parent, "item")
    _text(item, "routeTableId", table_id)
    _text(item, "vpcId", VPC_ID)
    _text(item, "ownerId", AWS_ACCOUNT)
    association = ElementTree.SubElement(ElementTree.SubElement(item, "associationSet"), "item")
    _text(association, "routeTableAssociationId", "rtbassoc-" + table_id.removeprefix("rtb-"))
    _text(association, "routeTableId", table_id)
    if subnet_id:
        _text(association, "subnetId", subnet_id)
    _text(association, "main", "false" if subnet_id else "true")
    routes = ElementTree.SubElement(item, "routeSet")
    _route(routes, "10.0.0.0/16", "gatewayId", "local")
    if to_internet:
        _route(routes, "0.0.0.0/0", "natGatewayId", "nat-0sandbox")
    return item


def _route(parent: ElementTree.Element, cidr: str, target_kind: str, target: str) -> None:
    route = ElementTree.SubElement(parent, "item")
    _text(route, "destinationCidrBlock", cidr)
    _text(route, target_kind, target)
    _text(route, "state", "active")
    _text(route, "origin", "CreateRoute" if target != "local" else "CreateRouteTable")


def ec2_error_xml(code: str, message: str) -> bytes:
    root = ElementTree.Element("Response")
    error = ElementTree.SubElement(ElementTree.SubElement(root, "Errors"), "Error")
    _text(error, "Code", code)
    _text(error, "Message", message)
    _text(root, "RequestID", str(uuid.uuid4()))
    return _xml(root)


def instance_tags(instance: Instance, scenario: ScenarioView) -> dict[str, str]:
    """A Name tag, and the owner tag of every cluster whose infra id starts the name."""
    tags = {"Name": instance.name}
    for cluster in scenario.ocm.clusters:
        if cluster.infra_id and instance.name.startswith(cluster.infra_id):
            tags[f"kubernetes.io/cluster/{cluster.infra_id}"] = "owned"
    return tags


def _select(scenario: ScenarioView, form: dict[str, str]) -> list[Instance]:
    wanted_ids = _numbered(form, "InstanceId")
    filters = _filters(form)
    selected = []
    for instance in scenario.aws.instances:
        if wanted_ids and instance.id not in wanted_ids:
            continue
        tags = instance_tags(instance, scenario)
        if all(matches(instance, tags) for matches in filters):
            selected.append(instance)
    return selected


def _filters(form: dict[str, str]) -> list[InstanceFilter]:
    filters = []
    for number in _indexes(form, "Filter", ".Name"):
        name = form[f"Filter.{number}.Name"]
        values = _numbered(form, f"Filter.{number}.Value")
        filters.append(_filter(name, values))
    return filters


def _filter(name: str, values: list[str]) -> InstanceFilter:
    def any_value(text: str) -> bool:
        return any(fnmatch.fnmatchcase(text, value) for value in values)

    if name.startswith("tag:"):
        key = name[4:]
        return lambda instance, tags: key in tags and any_value(tags[key])
    if name == "tag-key":
        return lambda instance, tags: any(any_value(key) for key in tags)
    if name == "instance-state-name":
        return lambda instance, tags: instance.state in values
    if name == "instance-id":
        return lambda instance, tags: any_value(instance.id)
    raise HttpProblem(400, f"The filter '{name}' is invalid", aws_code="InvalidParameterValue")


def _indexes(form: dict[str, str], prefix: str, suffix: str = "") -> list[str]:
    numbers = [
        key[len(prefix) + 1 : len(key) - len(suffix)]
        for key in form
        if key.startswith(f"{prefix}.")
        and key.endswith(suffix)
        and key[len(prefix) + 1 : len(key) - len(suffix)].isdigit()
    ]
    return sorted(numbers, key=int)


def _numbered(form: dict[str, str], prefix: str) -> list[str]:
    return [form[f"{prefix}.{number}"] for number in _indexes(form, prefix)]


def _paging(form: dict[str, str]) -> tuple[int, int]:
    size = form.get("MaxResults")
    token = form.get("NextToken")
    try:
        start = int(base64.b64decode(token).decode()) if token else 0
    except ValueError:
        raise HttpProblem(400, "Invalid NextToken", aws_code="InvalidParameterValue") from None
    if size is None:
        return start, 0
    if not size.isdigit() or not 5 <= int(size) <= 1000:
        message = "MaxResults must be between 5 and 1000"
        raise HttpProblem(400, message, aws_code="InvalidParameterValue")
    return start, int(size)


def _token(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode()


def _reservation(parent: ElementTree.Element, instance: Instance, scenario: ScenarioView) -> None:
    item = ElementTree.SubElement(parent, "item")
    _text(item, "reservationId", "r-" + instance.id.removeprefix("i-"))
    _text(item, "ownerId", AWS_ACCOUNT)
    ElementTree.SubElement(item, "groupSet")
    instances = ElementTree.SubElement(item, "instancesSet")
    _instance(ElementTree.SubElement(instances, "item"), instance, scenario)


def _instance(item: ElementTree.Element, instance: Instance, scenario: ScenarioView) -> None:
    launched = scenario.now - timedelta(days=7)
    _text(item, "instanceId", instance.id)
    _text(item, "imageId", "ami-0sandbox000000000")
    state = ElementTree.SubElement(item, "instanceState")
    _text(state, "code", str(STATE_CODES[instance.state]))
    _text(state, "name", instance.state)
    host = zlib.crc32(instance.id.encode()) % 250 + 1  # stable across runs, unlike hash()
    _text(item, "privateDnsName", f"ip-10-0-0-{host}.ec2.internal")
    _text(item, "dnsName", "")
    _text(item, "reason", _transition_reason(instance))
    _text(item, "amiLaunchIndex", "0")
    _text(item, "instanceType", "m5.xlarge")
    _text(item, "launchTime", launched.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    placement = ElementTree.SubElement(item, "placement")
    _text(placement, "availabilityZone", f"{REGION}a")
    _text(placement, "tenancy", "default")
    if instance.state in STOPPED_STATES and instance.stopped_at is not None:
        reason = ElementTree.SubElement(item, "stateReason")
        _text(reason, "code", "Client.UserInitiatedShutdown")
        _text(reason, "message", "Client.UserInitiatedShutdown: User initiated shutdown")
    groups = ElementTree.SubElement(item, "groupSet")
    for group_id in instance.security_groups:
        group = ElementTree.SubElement(groups, "item")
        _text(group, "groupId", group_id)
        _text(group, "groupName", group_id)
    tag_set = ElementTree.SubElement(item, "tagSet")
    for key, value in instance_tags(instance, scenario).items():
        tag = ElementTree.SubElement(tag_set, "item")
        _text(tag, "key", key)
        _text(tag, "value", value)


def _transition_reason(instance: Instance) -> str:
    """EC2's wording, with the stop time CHGM parses out of it."""
    if instance.state not in STOPPED_STATES or instance.stopped_at is None:
        return ""
    return f"User initiated ({instance.stopped_at.strftime('%Y-%m-%d %H:%M:%S')} GMT)"


def _text(parent: ElementTree.Element, tag: str, value: str) -> Any:
    element = ElementTree.SubElement(parent, tag)
    element.text = value
    return element


def _xml(root: ElementTree.Element) -> bytes:
    return bytes(ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True))
