"""Does each customer subnet's route table send 0.0.0.0/0 anywhere? (EC2 DescribeRouteTables,
and DescribeSubnets for the VPC of a subnet that uses the main table)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from cad_core.errors import InfrastructureError, one_line

DEFAULT_ROUTE = "0.0.0.0/0"


@attrs.frozen
class SubnetRoutes:
    """Subnets with no default route, and subnets with no route table at all (not even
    their VPC's main one)."""

    without_default_route: tuple[str, ...] = ()
    without_route_table: tuple[str, ...] = ()


def check_subnets(session: Any, subnet_ids: Sequence[str]) -> SubnetRoutes:
    """A failed EC2 call is an InfrastructureError: it says nothing about the subnets.

    A subnet with no route table of its own uses its VPC's main route table, which is then
    checked instead, as upstream does (``without_route_table``: not even a main one)."""
    ec2 = session.client("ec2")
    missing_route, missing_table = [], []
    for subnet in subnet_ids:
        tables = _describe(
            ec2.describe_route_tables,
            f"reading the route table of {subnet}",
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}],
        ).get("RouteTables")
        if not tables:
            tables = _main_tables(ec2, subnet)
        if not tables:
            missing_table.append(subnet)
        elif not any(has_default_route(table) for table in tables):
            missing_route.append(subnet)
    return SubnetRoutes(tuple(missing_route), tuple(missing_table))


def _main_tables(ec2: Any, subnet: str) -> list[dict[str, Any]]:
    """The main route table of the subnet's VPC (a list: empty when there is none)."""
    where = f"reading the VPC of {subnet}"
    found = _describe(ec2.describe_subnets, where, SubnetIds=[subnet]).get("Subnets") or []
    vpc = str((found[0] if found else {}).get("VpcId") or "")
    if not vpc:
        return []
    tables = _describe(
        ec2.describe_route_tables,
        f"reading the main route table of {vpc}",
        Filters=[{"Name": "vpc-id", "Values": [vpc]}],
    ).get("RouteTables")
    return [t for t in tables or [] if any(a.get("Main") for a in t.get("Associations") or [])]


def _describe(call: Any, context: str, **request: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        reply: dict[str, Any] = call(**request)
    except (BotoCoreError, ClientError) as error:
        raise InfrastructureError(one_line(error), context=context) from error
    return reply


def has_default_route(table: dict[str, Any]) -> bool:
    # Routes to prefix lists or IPv6 have no DestinationCidrBlock: they never count.
    return any(r.get("DestinationCidrBlock") == DEFAULT_ROUTE for r in table.get("Routes") or [])
