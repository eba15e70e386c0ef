"""The cluster's EC2 instances: which are not running, when they stopped, and node counts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from cad_chgm.aws import aws_call

# ``terminating`` is the name upstream filters on; EC2's real name for it is
# ``shutting-down``, so both are asked for.
NOT_RUNNING_STATES = ("stopped", "stopping", "terminated", "terminating", "shutting-down")
RUNNING_STATES = ("running", "pending")
# The checked order matters: "<infra>-master-0" never says infra, but a name holding
# both "infra" and "worker" counts as infra.
ROLES = ("master", "infra", "worker")

# EC2 writes e.g. "User initiated (2019-05-30 13:23:50 GMT)"; the zone is GMT (UTC).
_STOP_TIME = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})[^)]*\)")


@attrs.frozen
class Instance:
    id: str
    name: str
    state: str
    transition_reason: str

    @property
    def stopped_at(self) -> datetime | None:
        return stop_time(self.transition_reason)

    def describe(self) -> str:
        return f"{self.id} ({self.name or 'no Name tag'}, {self.state})"


def stop_time(transition_reason: str) -> datetime | None:
    """The UTC time inside ``StateTransitionReason``, or ``None`` when it holds none."""
    match = _STOP_TIME.search(transition_reason or "")
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:  # matched the shape but not a real date, e.g. month 13
        return None


def instance_from_ec2(data: Mapping[str, Any]) -> Instance:
    tags = {t.get("Key"): t.get("Value", "") for t in data.get("Tags") or []}
    return Instance(
        id=str(data.get("InstanceId", "")),
        name=str(tags.get("Name") or ""),
        state=str((data.get("State") or {}).get("Name", "")),
        transition_reason=str(data.get("StateTransitionReason") or ""),
    )


def list_instances(ec2: Any, infra_id: str, states: Sequence[str], what: str) -> list[Instance]:
    """Every instance owned by the cluster in one of ``states``, across all pages."""
    filters = [
        {"Name": f"tag:kubernetes.io/cluster/{infra_id}", "Values": ["owned"]},
        {"Name": "instance-state-name", "Values": list(states)},
    ]
    with aws_call(what):
        pages = ec2.get_paginator("describe_instances").paginate(Filters=filters)
        return [
            instance_from_ec2(item)
            for page in pages
            for reservation in page.get("Reservations", [])
            for item in reservation.get("Instances", [])
        ]


def count_by_role(instances: Iterable[Instance]) -> dict[str, int]:
    """Running nodes per role, read from the ``Name`` tag."""
    counts = dict.fromkeys(ROLES, 0)
    for instance in instances:
        role = next((r for r in ROLES if r in instance.name), None)
        if role is not None:
            counts[role] += 1
    return counts


@attrs.frozen
class ExpectedNodes:
    master: int
    infra: int
    worker_min: int
    worker_max: int

    def describe(self) -> str:
        workers = (
            str(self.worker_min)
            if self.worker_min == self.worker_max
            else f"{self.worker_min}-{self.worker_max}"
        )
        return f"{self.master} master, {self.infra} infra, {workers} worker"


def expected_nodes(cluster: Mapping[str, Any], pools: Iterable[Mapping[str, Any]]) -> ExpectedNodes:
    """What OCM says should run; raises ``ValueError`` naming the missing field."""
    nodes = cluster.get("nodes") or {}
    for role in ("master", "infra"):
        if not isinstance(nodes.get(role), int):
            raise ValueError(f"the cluster has no nodes.{role} count")
    low = high = 0
    for pool in pools:
        pool_low, pool_high = _pool_size(pool)
        low, high = low + pool_low, high + pool_high
    return ExpectedNodes(nodes["master"], nodes["infra"], low, high)


def _pool_size(pool: Mapping[str, Any]) -> tuple[int, int]:
    replicas = pool.get("replicas")
    if isinstance(replicas, int):
        return replicas, replicas
    scaling = pool.get("autoscaling") or {}
    low, high = scaling.get("min_replicas"), scaling.get("max_replicas")
    if isinstance(low, int) and isinstance(high, int):
        return low, high
    raise ValueError(f"machine pool {pool.get('id', '?')!r} has neither replicas nor autoscaling")


def describe_counts(running: Mapping[str, int]) -> str:
    return ", ".join(f"{running[role]} {role}" for role in ROLES)
