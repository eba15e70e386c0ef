"""The route check against the sandbox's EC2 DescribeRouteTables with a real boto3 session,
and the plugin's registration through its entry point."""

from __future__ import annotations

import boto3
import pytest
from cad_core.errors import InfrastructureError
from cad_core.plugins.registry import build_registry

from cad_cpd.routes import SubnetRoutes, check_subnets, has_default_route

SUBNETS = [
    {"id": "subnet-ok", "route_to_internet": True},
    {"id": "subnet-closed", "route_to_internet": False},
    {"id": "subnet-main", "route_table": False},
]


def test_cpd_is_registered_by_its_entry_point() -> None:
    registry = build_registry(entry_points=True)
    assert registry.investigation("cpd").name == "cpd"
    assert registry.investigation("clusterprovisioningdelay").name == "cpd"
    assert registry.plugins["cpd"].distribution == "cad-cpd"


@pytest.mark.parametrize(
    ("main_to_internet", "expected"),
    [
        (True, SubnetRoutes(("subnet-closed",), ())),
        (False, SubnetRoutes(("subnet-closed", "subnet-main"), ())),
    ],
)
def test_cpd_subnets_are_sorted_by_their_route_tables(
    sandbox, sandbox_env, main_to_internet: bool, expected: SubnetRoutes
) -> None:
    """A subnet without a table of its own is judged by its VPC's main table (as upstream)."""
    world = {"subnets": SUBNETS, "main_route_to_internet": main_to_internet}
    box = sandbox({"aws": world})
    sandbox_env(box)
    result = check_subnets(
        boto3.Session(region_name="us-east-1"), ["subnet-ok", "subnet-closed", "subnet-main"]
    )
    assert result == expected
    operations = [r["path"] for r in box.world.requests() if r["service"] == "aws"]
    assert operations.count("/DescribeSubnets") == 1  # only for subnet-main


def test_cpd_a_subnet_ec2_does_not_know_is_an_infrastructure_error(sandbox, sandbox_env) -> None:
    sandbox_env(sandbox({"aws": {"subnets": SUBNETS}}))
    with pytest.raises(InfrastructureError, match="InvalidSubnetID.NotFound") as error:
        check_subnets(boto3.Session(region_name="us-east-1"), ["subnet-unknown"])
    assert error.value.context == "reading the VPC of subnet-unknown"


def test_cpd_a_failed_route_table_call_is_an_infrastructure_error(sandbox, sandbox_env) -> None:
    fault = {"service": "aws", "path": "/DescribeRouteTables", "status": 403}
    sandbox_env(sandbox({"aws": {"subnets": SUBNETS}, "faults": [fault]}))
    session = boto3.Session(region_name="us-east-1")
    with pytest.raises(InfrastructureError, match="UnauthorizedOperation") as error:
        check_subnets(session, ["subnet-ok"])
    assert error.value.context == "reading the route table of subnet-ok"


def test_cpd_only_an_ipv4_default_route_counts() -> None:
    assert has_default_route({"Routes": [{"DestinationCidrBlock": "0.0.0.0/0"}]})
    assert not has_default_route({"Routes": [{"DestinationIpv6CidrBlock": "::/0"}]})
    assert not has_default_route({"Routes": [{"DestinationPrefixListId": "pl-1"}]})
    assert not has_default_route({})
