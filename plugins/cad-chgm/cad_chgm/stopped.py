"""Were the cluster's instances stopped or terminated by someone other than OpenShift or Red Hat?

Errors follow the decision table: a failed AWS or OCM query raises
:class:`InfrastructureError` (retried by the runner); missing or unreadable evidence
raises :class:`FindingError` (reported to a human); a resource that cannot be built at all
raises :class:`ResourceError` and is left to the runner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from cad_core import InvestigationContext
from cad_core.errors import FindingError, InfrastructureError, ResourceError, one_line
from cad_core.plan.caps import named

from cad_chgm.authorization import is_authorized
from cad_chgm.cloudtrail import Clock, EventSearch, wait_for_stop_events
from cad_chgm.events import Actor, StopEvent, actor_of
from cad_chgm.instances import (
    NOT_RUNNING_STATES,
    RUNNING_STATES,
    Instance,
    count_by_role,
    describe_counts,
    expected_nodes,
    list_instances,
)

NO_INFRA_ID = "the cluster's infrastructure id is unknown"
NO_EVIDENCE = "CloudTrail does not explain the stopped instances"

SHOWN = 50  # instances one finding names; the rest are counted


@attrs.frozen
class StopVerdict:
    """The outcome of the check; ``culprit`` and its event are set when the customer stopped
    instances."""

    stopped: tuple[Instance, ...] = ()
    culprit: Actor | None = None
    culprit_event: StopEvent | None = None

    @property
    def customer_stopped(self) -> bool:
        return self.culprit is not None and self.culprit_event is not None


def infra_id_of(deployment: Mapping[str, Any]) -> str:
    """The infra id from the Hive ClusterDeployment; its absence is a finding."""
    spec = (deployment or {}).get("spec") or {}
    infra_id = (spec.get("clusterMetadata") or {}).get("infraID")
    if not infra_id:
        raise FindingError(
            "the ClusterDeployment has no spec.clusterMetadata.infraID", context=NO_INFRA_ID
        )
    return str(infra_id)


def check_stopped_instances(
    ctx: InvestigationContext,
    cluster: Mapping[str, Any],
    infra_id: str,
    session: Any,
    wait_seconds: float,
    facts: list[str],
    clock: Clock | None = None,
) -> StopVerdict:
    """Appends what it learns to ``facts`` rather than to the notes: the runner retries the
    investigation with the same notes after an InfrastructureError, and lines written
    before it would then appear twice."""
    # One DescribeInstances for both questions (upstream asks twice): the same tag filter
    # with every state of either list, split here. Half the requests, one round trip.
    instances = list_instances(
        session.client("ec2"),
        infra_id,
        NOT_RUNNING_STATES + RUNNING_STATES,
        "listing the cluster's instances",
    )
    stopped = [i for i in instances if i.state in NOT_RUNNING_STATES]
    running = [i for i in instances if i.state in RUNNING_STATES]
    facts.append(node_counts(ctx, cluster, running))
    if not stopped:
        return StopVerdict()
    described = [i.describe() for i in stopped]
    facts.append("Instances not running: " + named(described, SHOWN, "; "))
    require_stop_times(stopped)
    search = wait_for_stop_events(
        session.client("cloudtrail"), stopped, wait_seconds, clock or Clock(), ctx.concurrently
    )
    return judge(stopped, search, ccs=bool((cluster.get("ccs") or {}).get("enabled")))


def node_counts(
    ctx: InvestigationContext, cluster: Mapping[str, Any], running: Sequence[Instance]
) -> str:
    """Running nodes against what OCM expects: context for the responder, not a decision."""
    line = f"Running nodes on AWS: {describe_counts(count_by_role(running))}"
    try:
        pools = ctx.resource("machine_pools")
    except ResourceError as error:
        raise InfrastructureError(one_line(error.cause), context="reading machine pools") from error
    try:
        line += f"; OCM expects {expected_nodes(cluster, pools).describe()}"
    except ValueError as error:
        line += f"; the expected counts are unknown ({error})"
    return line


def require_stop_times(stopped: Sequence[Instance]) -> None:
    """Without a stop time no CloudTrail event can be shown to belong to this stop."""
    unknown = [i for i in stopped if i.stopped_at is None]
    if unknown:
        raise FindingError(
            "no stop time in StateTransitionReason for "
            + named([f"{i.id} ({i.transition_reason or 'empty'!r})" for i in unknown], SHOWN, "; "),
            context=NO_EVIDENCE,
        )


def judge(stopped: Sequence[Instance], search: EventSearch, *, ccs: bool) -> StopVerdict:
    """Customer-stopped if any usable event came from an unlisted identity.

    One customer stop settles the question even if other instances lack events; only an
    all-clear needs an event for every instance.
    """
    events = search.events_in_order(stopped)
    if not events:
        raise FindingError(
            f"no StopInstances or TerminateInstances event newer than the stop time was found "
            f"for {', '.join(search.missing)} within the last 2 hours (the stop may be older, "
            f"or CloudTrail has not caught up yet)",
            context=NO_EVIDENCE,
        )
    for event in events:
        actor = actor_of(event)
        if not is_authorized(actor, ccs=ccs):
            return StopVerdict(stopped=tuple(stopped), culprit=actor, culprit_event=event)
    if search.missing:
        raise FindingError(
            f"OpenShift or Red Hat stopped some instances, but no usable event was found for "
            f"{', '.join(search.missing)}",
            context=NO_EVIDENCE,
        )
    return StopVerdict(stopped=tuple(stopped))
