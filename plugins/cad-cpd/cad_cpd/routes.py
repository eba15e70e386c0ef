"""Does each customer subnet's route table send 0.0.0.0/0 anywhere? (EC2 DescribeRouteTables)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from cad_core.errors import InfrastructureError, one_line

DEFAULT_ROUTE = "0.0.0.0/0"


@attrs.frozen
class SubnetRoutes:
    """Subnets with no default route, and subnets with no route table of their own."""

    without_default_route: tuple[str, ...] = ()
    without_route_table: tuple[str, ...] = ()


def check_subnets(session: Any, subnet_ids: Sequence[str]) -> SubnetRoutes:
    """A failed EC2 call is an InfrastructureError: it says nothing about the subnets."""
    from botocore.exceptions import BotoCoreError, ClientError

    ec2 = session.client("ec2")
    missing_route, missing_table = [], []
    for subnet in subnet_ids:
        try:
            reply = ec2.describe_route_tables(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
            )
        except (BotoCoreError, ClientError) as error:
            raise InfrastructureError(
                one_line(error), context=f"reading the route table of {subnet}"
            ) from error
        tables = reply.get("RouteTables") or []
        if not tables:
            missing_table.append(subnet)
        elif not any(has_default_route(table) for table in tables):
            missing_route.append(subnet)
    return SubnetRoutes(tuple(missing_route), tuple(missing_table))


def has_default_route(table: dict[str, Any]) -> bool:
    # Routes to prefix lists or IPv6 have no DestinationCidrBlock: they never count.
    return any(r.get("DestinationCidrBlock") == DEFAULT_ROUTE for r in table.get("Routes") or [])
