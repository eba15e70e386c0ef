"""Stop times, running-node counts by role and expected node counts (spec §f.2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cad_chgm.hibernation import recently_resumed
from cad_chgm.instances import (
    ExpectedNodes,
    Instance,
    count_by_role,
    expected_nodes,
    instance_from_ec2,
    stop_time,
)

DATA = Path(__file__).parent / "data"


def sample(name: str):
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.mark.parametrize(
    "reason, expected",
    [
        ("User initiated (2019-05-30 13:23:50 GMT)", datetime(2019, 5, 30, 13, 23, 50, tzinfo=UTC)),
        ("User initiated (2024-01-02 03:04:05 UTC)", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("Service initiated (2024-01-02 03:04:05)", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_chgm_stop_time_is_read_from_the_transition_reason(reason, expected):
    assert stop_time(reason) == expected


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "User initiated",
        "Server.SpotInstanceTermination",
        "(2024-13-02 03:04:05 GMT)",
        "User initiated 2019-05-30 13:23:50 GMT",
    ],
)
def test_chgm_a_reason_without_a_time_gives_none(reason):
    assert stop_time(reason) is None


def test_chgm_the_aws_cli_sample_instance_is_read():
    data = sample("aws_ec2_describe_instances_response_cli_example")
    instance = instance_from_ec2(data["Reservations"][0]["Instances"][0])
    assert instance == Instance(
        id="i-1234567890abcdef0", name="my-instance", state="running", transition_reason=""
    )
    assert instance.stopped_at is None


def named(*names: str) -> list[Instance]:
    return [Instance(id=f"i-{n}", name=n, state="running", transition_reason="") for n in names]


def test_chgm_nodes_are_counted_by_the_first_role_their_name_holds():
    counts = count_by_role(
        named(
            "c-x7k2p-master-0",
            "c-x7k2p-master-1",
            "c-x7k2p-infra-us-east-1a-abc",
            "c-x7k2p-worker-us-east-1a-xyz",
            "c-x7k2p-worker-infra-1",  # infra wins over worker
            "c-x7k2p-bootstrap",
            "",
            "c-x7k2p-Master-2",  # case-sensitive: not counted
        )
    )
    assert counts == {"master": 2, "infra": 2, "worker": 1}


def test_chgm_expected_nodes_from_fixed_pools():
    cluster = sample("ocm_cluster_rosa_classic_sts")
    pools = sample("ocm_machine_pools_list_fixed_replicas")["items"]
    assert expected_nodes(cluster, pools) == ExpectedNodes(3, 2, 4, 4)
    assert expected_nodes(cluster, pools).describe() == "3 master, 2 infra, 4 worker"


def test_chgm_expected_nodes_add_autoscaling_bounds():
    cluster = sample("ocm_cluster_osd_aws_nonccs")
    pools = sample("ocm_machine_pools_list_autoscaling")["items"] + [{"id": "w", "replicas": 3}]
    expected = expected_nodes(cluster, pools)
    assert expected == ExpectedNodes(3, 2, 4, 5)
    assert expected.describe() == "3 master, 2 infra, 4-5 worker"


def test_chgm_expected_nodes_without_pools_is_zero_workers():
    assert expected_nodes({"nodes": {"master": 3, "infra": 2}}, []) == ExpectedNodes(3, 2, 0, 0)


@pytest.mark.parametrize(
    "cluster, pools, message",
    [
        ({"nodes": {"infra": 2}}, [], "nodes.master"),
        ({"nodes": {"master": 3}}, [], "nodes.infra"),
        ({}, [], "nodes.master"),
        ({"nodes": {"master": 3, "infra": 2}}, [{"id": "odd"}], "'odd' has neither"),
        (
            {"nodes": {"master": 3, "infra": 2}},
            [{"id": "half", "autoscaling": {"min_replicas": 1}}],
            "'half' has neither",
        ),
    ],
)
def test_chgm_expected_nodes_name_what_is_missing(cluster, pools, message):
    with pytest.raises(ValueError, match=message):
        expected_nodes(cluster, pools)


# --- hibernation --------------------------------------------------------------------------


NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def period(hibernated_h: float, resumed_h: float | None) -> dict:
    from datetime import timedelta

    def at(hours: float | None):
        return None if hours is None else NOW - timedelta(hours=hours)

    return {"hibernated": at(hibernated_h), "resumed": at(resumed_h)}


@pytest.mark.parametrize(
    "periods, recent",
    [
        ([], False),
        ([period(5, 1)], True),
        ([period(5, 2)], True),  # exactly 2 hours: inclusive
        ([period(5, 2.01)], False),
        ([period(5, -0.5)], True),  # a future time counts
        ([period(9, 1), period(5, 3)], False),  # only the last period matters
        ([period(9, 8), period(5, 1)], True),
        ([period(5, None)], False),  # still hibernating
    ],
)
def test_chgm_recently_resumed_looks_at_the_last_period_only(periods, recent):
    assert (recently_resumed(periods, NOW) is not None) is recent
