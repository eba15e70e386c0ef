"""The chgm decision table (docs/investigations/chgm.md): one function per outcome.

Every outcome that returns a plan starts with the cluster report and the incident note
(``report_and_note``), so the responder always sees what CAD found. chgm never stops the
chain: a later investigation (e.g. must-gather) may still be useful.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cad_core import (
    EscalateIncident,
    InvestigationContext,
    InvestigationResult,
    LimitedSupport,
    ServiceLog,
)
from cad_core.errors import (
    BadInputError,
    FindingError,
    InfrastructureError,
    ResourceError,
    one_line,
)
from cad_core.plan.helpers import report_and_note, silence_after

from cad_chgm import messages, settings
from cad_chgm.egress import FAILURE, SUCCESS, UNDEFINED, EgressResult, verdict_from
from cad_chgm.events import Actor, StopEvent
from cad_chgm.hibernation import SOP_LINK, recently_resumed
from cad_chgm.instances import Instance
from cad_chgm.stopped import StopVerdict, check_stopped_instances, infra_id_of


def run(ctx: InvestigationContext) -> InvestigationResult:
    config = settings.load()
    # Rows 1-2: a resource that cannot be built, or an InfrastructureError, propagates.
    cluster = ctx.resource("cluster")
    deployment = ctx.resource("cluster_deployment")
    session = ctx.resource("aws_session")
    facts: list[str] = []
    try:
        verdict = check_stopped_instances(
            ctx, cluster, infra_id_of(deployment), session, config.cloudtrail_wait_seconds, facts
        )
    except (InfrastructureError, ResourceError, BadInputError):
        raise
    except FindingError as finding:
        _write(ctx, facts)
        ctx.notes.warning(messages.check_stopped_early(finding.detail))
        return _escalate(ctx, cluster, messages.ESCALATE_INCOMPLETE)
    except Exception as error:  # row 4: an unforeseen failure still reaches a human
        ctx.log.exception("chgm: the stopped-instance check failed")
        _write(ctx, facts)
        ctx.notes.warning(messages.check_failed(one_line(error)))
        return _escalate(ctx, cluster, messages.ESCALATE_ERROR)
    _write(ctx, facts)
    if verdict.culprit is not None and verdict.culprit_event is not None:
        return _customer_stopped(
            ctx, cluster, verdict.stopped, verdict.culprit, verdict.culprit_event
        )
    _note_no_customer_stops(ctx, verdict)
    # Both need only the cluster and the credentials: one round trip for the two.
    periods, egress = ctx.concurrently(
        partial(_value_or_error, ctx, "hibernation_periods"),
        partial(_value_or_error, ctx, "egress_findings"),
    )
    _check_hibernation(ctx, periods)
    return _plan_for_egress(ctx, cluster, _verify_egress(ctx, egress))


def _value_or_error(ctx: InvestigationContext, name: str) -> Any:
    """The resource, or the exception building it raised (the caller decides what it means)."""
    try:
        return ctx.resource(name)
    except Exception as error:
        return error


def _write(ctx: InvestigationContext, facts: list[str]) -> None:
    for fact in facts:
        ctx.notes.line(fact)


def _plan(
    ctx: InvestigationContext, cluster: Mapping[str, Any], *actions: Any
) -> InvestigationResult:
    return InvestigationResult([*report_and_note(ctx, cluster_id=cluster.get("id")), *actions])


def _escalate(
    ctx: InvestigationContext, cluster: Mapping[str, Any], reason: str
) -> InvestigationResult:
    return _plan(ctx, cluster, EscalateIncident(reason=reason))


def _customer_stopped(
    ctx: InvestigationContext,
    cluster: Mapping[str, Any],
    stopped: Sequence[Instance],
    culprit: Actor,
    event: StopEvent,
) -> InvestigationResult:
    """Row 5: limited support, then silence; the customer has to start the instances."""
    stopped_ids = [i.id for i in stopped]
    when = event.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    ctx.notes.warning(
        messages.customer_stopped(culprit.describe(), event.name, when, event.event_id)
    )
    return _plan(
        ctx,
        cluster,
        *silence_after(
            LimitedSupport(
                summary=messages.STOPPED_LS_SUMMARY,
                details=messages.stopped_ls_details(stopped_ids),
                context="StoppedInstances",
            ),
            messages.SILENCE_CUSTOMER_STOPPED,
        ),
    )


def _note_no_customer_stops(ctx: InvestigationContext, verdict: StopVerdict) -> None:
    if verdict.stopped:
        ctx.notes.success(messages.authorized_stops([i.id for i in verdict.stopped]))
    else:
        ctx.notes.success(messages.NO_CUSTOMER_STOPS)


def _check_hibernation(ctx: InvestigationContext, periods: Any) -> None:
    """A note only: a cluster fresh out of hibernation often just needs CSRs approved."""
    if isinstance(periods, ResourceError):
        ctx.log.warning("chgm: hibernation history unavailable: %s", one_line(periods))
        ctx.notes.warning(messages.hibernation_unknown(one_line(periods.cause)))
        return
    if isinstance(periods, Exception):
        raise periods
    resumed = recently_resumed(periods, datetime.now(UTC))
    if resumed is not None:
        stamp = resumed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        ctx.notes.warning(messages.resumed_from_hibernation(stamp, SOP_LINK))


def _verify_egress(ctx: InvestigationContext, findings: Any) -> EgressResult:
    """The shared verdict (cad-ocm's ``egress_findings``: the verifier runs once per run)."""
    if isinstance(findings, Exception):
        raise findings
    result = verdict_from(findings)
    if result.outcome == UNDEFINED:
        ctx.notes.warning(result.note)
    return result


def _plan_for_egress(
    ctx: InvestigationContext, cluster: Mapping[str, Any], egress: EgressResult
) -> InvestigationResult:
    """Rows 6-9."""
    if egress.outcome == FAILURE:
        if any(messages.DEADMANSSNITCH_HOST in target for target in egress.blocked):
            return _deadmanssnitch_blocked(ctx, cluster, egress)
        return _other_egress_blocked(ctx, cluster, egress)
    if egress.outcome == SUCCESS:
        ctx.notes.success(egress.note)
    return _escalate(ctx, cluster, messages.ESCALATE_NOTHING_TO_FIX)


def _deadmanssnitch_blocked(
    ctx: InvestigationContext, cluster: Mapping[str, Any], egress: EgressResult
) -> InvestigationResult:
    """Row 6: the heartbeat cannot leave the cluster; the customer must reopen egress."""
    ctx.notes.warning(messages.deadmanssnitch_blocked(egress.blocked))
    return _plan(
        ctx,
        cluster,
        *silence_after(
            LimitedSupport(
                summary=messages.EGRESS_LS_SUMMARY,
                details=messages.egress_ls_details(egress.blocked),
                context="EgressBlocked",
            ),
            messages.SILENCE_DEADMANSSNITCH,
        ),
    )


def _other_egress_blocked(
    ctx: InvestigationContext, cluster: Mapping[str, Any], egress: EgressResult
) -> InvestigationResult:
    """Row 7: tell the customer what is blocked, but the missing heartbeat needs a human."""
    ctx.notes.warning(messages.OTHER_EGRESS_BLOCKED)
    ctx.notes.warning(messages.LOOK_AT_CLUSTER)
    ctx.notes.line(messages.unreachable_listing(egress.blocked))
    product = (cluster.get("product") or {}).get("id")
    return _plan(
        ctx,
        cluster,
        ServiceLog(
            severity="Critical",
            summary=messages.EGRESS_SL_SUMMARY,
            description=messages.egress_sl_description(
                egress.blocked, messages.privatelink_firewall_docs(product)
            ),
            reason=messages.OTHER_EGRESS_BLOCKED,
        ),
        EscalateIncident(reason=messages.ESCALATE_OTHER_EGRESS),
    )
