"""The ocmagentresponsefailure decision table (docs/investigations/ocmagentresponsefailure.md).

Upstream's three checks in its order: egress, the owner's ban, the pull secret. Every plan
holds the cluster report and the incident note, and ends with an escalation. The owner and
pull-secret checks are worded by cad-ocm's ``owner_checks``,
which upgradeconfigsync shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult, ServiceLog
from cad_core.errors import ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_ocmagentresponsefailure import messages


def run(ctx: InvestigationContext) -> InvestigationResult:
    if (ctx.resource("cluster").get("hypershift") or {}).get("enabled"):
        ctx.notes.warning(messages.HCP)
        return _escalate(ctx, messages.ESCALATE_HCP)
    if _egress_blocked(ctx):
        return _escalate(ctx, messages.ESCALATE_EGRESS)
    checks = ctx.resource("owner_checks")  # cad-ocm's wording, shared with the other alert
    for line in checks["notes"]:
        (ctx.notes.success if line["level"] == "success" else ctx.notes.warning)(line["text"])
    if checks["state"] == "export_control":
        ctx.notes.warning(messages.FOLLOW_EXPORT_CONTROL_SOP)
    if checks["state"] == "banned":
        return _plan(ctx, _owner_service_log(), EscalateIncident(reason=checks["escalate"]))
    return _escalate(ctx, checks["escalate"] or messages.ESCALATE_DONE)


def _plan(ctx: InvestigationContext, *actions: Any) -> InvestigationResult:
    return InvestigationResult([*report_and_note(ctx), *actions])


def _escalate(ctx: InvestigationContext, reason: str) -> InvestigationResult:
    return _plan(ctx, EscalateIncident(reason=reason))


def _egress_blocked(ctx: InvestigationContext) -> bool:
    """True when the verifier found blocked endpoints; a verifier that did not complete is
    noted and the checks go on, as upstream does."""
    try:
        verdict = ctx.resource("egress_findings")
    except ResourceError as failure:
        verdict = {"outcome": "undefined", "error": one_line(failure.cause)}
    outcome = verdict.get("outcome") if isinstance(verdict, Mapping) else None
    if outcome == "failure":
        ctx.notes.warning(messages.egress_blocked([str(t) for t in verdict.get("blocked") or ()]))
        return True
    if outcome == "success":
        ctx.notes.success(str(verdict["note"]))  # cad-ocm's wording, shared by investigations
    else:
        error = verdict.get("error") if isinstance(verdict, Mapping) else repr(verdict)
        ctx.notes.warning(messages.egress_not_verified(str(error or "no reason given")))
    return False


def _owner_service_log() -> ServiceLog:
    """Any ban but export control the customer can resolve by choosing a new owner."""
    return ServiceLog(
        severity="Critical",  # upstream's NewOCMBannedUserServiceLog severity
        summary=messages.OWNER_SL_SUMMARY,
        description=messages.OWNER_SL_DESCRIPTION,
        reason="the cluster owner's account is banned",
    )
