"""The AWS simulator, driven by boto3 (EC2 Query protocol and CloudTrail JSON 1.1)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"total_max_attempts": 1})
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
STOPPED = ["stopped", "stopping", "terminated", "terminating"]


def owned_by(infra_id: str) -> dict[str, object]:
    return {"Name": f"tag:kubernetes.io/cluster/{infra_id}", "Values": ["owned"]}


def instances(reply: dict) -> list[dict]:
    return [i for reservation in reply["Reservations"] for i in reservation["Instances"]]


def test_describe_instances_with_owner_tag_and_state_filters(running, ids) -> None:
    running(now=NOW)
    ec2 = boto3.client("ec2", config=NO_RETRIES)
    stopped = instances(
        ec2.describe_instances(
            Filters=[owned_by(ids.infra), {"Name": "instance-state-name", "Values": STOPPED}]
        )
    )
    assert [i["InstanceId"] for i in stopped] == ["i-0a0"]  # i-0ff belongs to another cluster
    assert stopped[0]["State"] == {"Code": 80, "Name": "stopped"}
    assert stopped[0]["StateTransitionReason"] == "User initiated (2026-03-01 11:20:00 GMT)"
    tags = {t["Key"]: t["Value"] for t in stopped[0]["Tags"]}
    assert tags == {"Name": f"{ids.infra}-master-0", f"kubernetes.io/cluster/{ids.infra}": "owned"}
    running_ones = instances(
        ec2.describe_instances(
            Filters=[
                owned_by(ids.infra),
                {"Name": "instance-state-name", "Values": ["running", "pending"]},
            ]
        )
    )
    assert sorted(i["InstanceId"] for i in running_ones) == ["i-0a1", "i-0a2"]
    assert all(i["StateTransitionReason"] == "" for i in running_ones)


def test_tag_key_and_wildcard_filters_and_paging(running, ids) -> None:
    running()
    ec2 = boto3.client("ec2", config=NO_RETRIES)
    tagged = ec2.describe_instances(
        Filters=[{"Name": "tag-key", "Values": [f"kubernetes.io/cluster/{ids.infra}"]}]
    )
    assert len(instances(tagged)) == 3
    masters = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["*-master-*"]}])
    assert sorted(i["InstanceId"] for i in instances(masters)) == ["i-0a0", "i-0a1"]
    pages = ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5})
    assert sum(len(instances(page)) for page in pages) == 4


def test_unknown_filter_is_an_ec2_error(running) -> None:
    running()
    ec2 = boto3.client("ec2", config=NO_RETRIES)
    with pytest.raises(ClientError) as caught:
        ec2.describe_instances(Filters=[{"Name": "colour", "Values": ["red"]}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_lookup_events_by_name_with_parsed_record(running) -> None:
    running(now=NOW)
    cloudtrail = boto3.client("cloudtrail", config=NO_RETRIES)
    reply = cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "StopInstances"}],
        StartTime=NOW - timedelta(hours=2),
    )
    (event,) = reply["Events"]
    assert event["EventName"] == "StopInstances" and event["Username"] == "jdoe"
    assert event["EventTime"] == NOW - timedelta(minutes=40)
    assert event["Resources"] == [{"ResourceType": "AWS::EC2::Instance", "ResourceName": "i-0a0"}]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventVersion"] == "1.08" and record["eventName"] == "StopInstances"
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["requestParameters"]["instancesSet"]["items"] == [{"instanceId": "i-0a0"}]
    assert re.fullmatch(r"\d+\.\d+", record["eventVersion"])


def test_lookup_events_window_issuer_and_paging(running) -> None:
    running(now=NOW)
    cloudtrail = boto3.client("cloudtrail", config=NO_RETRIES)
    terminate = [{"AttributeKey": "EventName", "AttributeValue": "TerminateInstances"}]
    recent = cloudtrail.lookup_events(
        LookupAttributes=terminate, StartTime=NOW - timedelta(hours=2)
    )
    assert recent["Events"] == []  # the terminate event is 3 h old
    (event,) = cloudtrail.lookup_events(LookupAttributes=terminate)["Events"]
    issuer = json.loads(event["CloudTrailEvent"])["userIdentity"]["sessionContext"]
    assert issuer["sessionIssuer"]["userName"].endswith(
        "openshift-machine-api-aws-cloud-credentials"
    )
    first = cloudtrail.lookup_events(MaxResults=1)
    assert first["Events"][0]["EventName"] == "StopInstances"  # newest first
    second = cloudtrail.lookup_events(MaxResults=1, NextToken=first["NextToken"])
    assert second["Events"][0]["EventName"] == "TerminateInstances"
    assert "NextToken" not in second


def test_cloudtrail_errors_use_the_json_error_shape(running, scenario_data) -> None:
    fault = {"service": "aws", "path": "/LookupEvents", "status": 429, "times": 1}
    box = running(scenario_data(faults=[fault]))
    cloudtrail = boto3.client("cloudtrail", config=NO_RETRIES)
    with pytest.raises(ClientError) as caught:
        cloudtrail.lookup_events()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    with pytest.raises(ClientError) as caught:
        cloudtrail.lookup_events(MaxResults=51)
    assert caught.value.response["Error"]["Code"] == "InvalidMaxResultsException"
    assert [(r["path"], r["status"]) for r in box.requests] == [
        ("/LookupEvents", 429),
        ("/LookupEvents", 400),
    ]


def test_ec2_fault_uses_the_xml_error_shape(running, scenario_data) -> None:
    fault = {"service": "aws", "method": "POST", "path": "/DescribeInstances", "status": 503}
    running(scenario_data(faults=[fault]))
    ec2 = boto3.client("ec2", config=NO_RETRIES)
    with pytest.raises(ClientError) as caught:
        ec2.describe_instances()
    assert caught.value.response["Error"]["Code"] == "Unavailable"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_describe_route_tables_per_subnet(sandbox, sandbox_env) -> None:
    subnets = [
        {"id": "subnet-a", "route_to_internet": True},
        {"id": "subnet-b", "route_to_internet": False},
        {"id": "subnet-c", "route_table": False},
    ]
    sandbox_env(sandbox({"aws": {"subnets": subnets}}))
    ec2 = boto3.client("ec2", config=NO_RETRIES)

    def routes(subnet: str) -> list[list[str]]:
        reply = ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )
        return [
            [r.get("DestinationCidrBlock", "") for r in t["Routes"]] for t in reply["RouteTables"]
        ]

    assert routes("subnet-a") == [["10.0.0.0/16", "0.0.0.0/0"]]
    assert routes("subnet-b") == [["10.0.0.0/16"]]
    assert routes("subnet-c") == []
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["active"]}])


def test_the_vpc_its_main_route_table_and_its_dhcp_options(sandbox, sandbox_env) -> None:
    world = {
        "ocm": {"clusters": [{"id": "c1", "infra_id": "cluster-a-x7k2p"}]},
        "aws": {
            "subnets": [{"id": "subnet-c", "route_table": False}],
            "main_route_to_internet": False,
            "dhcp_servers": ["192.0.2.10", "AmazonProvidedDNS"],
        },
    }
    sandbox_env(sandbox(world))
    ec2 = boto3.client("ec2", config=NO_RETRIES)
    (subnet,) = ec2.describe_subnets(SubnetIds=["subnet-c"])["Subnets"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [subnet["VpcId"]]}])
    (main,) = [t for t in tables["RouteTables"] if t["Associations"][0]["Main"]]
    assert [r["DestinationCidrBlock"] for r in main["Routes"]] == ["10.0.0.0/16"]
    tag = [{"Name": "tag-key", "Values": ["kubernetes.io/cluster/cluster-a-x7k2p"]}]
    (vpc,) = ec2.describe_vpcs(Filters=tag)["Vpcs"]
    (options,) = ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"]
    (servers,) = options["DhcpConfigurations"]
    assert [v["Value"] for v in servers["Values"]] == ["192.0.2.10", "AmazonProvidedDNS"]
    other = [{"Name": "tag-key", "Values": ["kubernetes.io/cluster/someone-else"]}]
    assert ec2.describe_vpcs(Filters=other)["Vpcs"] == []
    with pytest.raises(ClientError, match="InvalidSubnetID.NotFound"):
        ec2.describe_subnets(SubnetIds=["subnet-gone"])
