"""The ocmagentresponsefailure decision table (docs/investigations/ocmagentresponsefailure.md).

Upstream's three checks in its order: egress, the owner's ban, the pull secret. Every plan
holds the cluster report and the incident note, and ends with an escalation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult, ServiceLog
from cad_core.errors import NotFoundError, PermanentError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_ocmagentresponsefailure import messages

# A missing or unreadable pull secret is a finding; anything else (transient) is retried.
FINDINGS = (NotFoundError, PermanentError)


def run(ctx: InvestigationContext) -> InvestigationResult:
    if (ctx.resource("cluster").get("hypershift") or {}).get("enabled"):
        ctx.notes.warning(messages.HCP)
        return _escalate(ctx, messages.ESCALATE_HCP)
    if _egress_blocked(ctx):
        return _escalate(ctx, messages.ESCALATE_EGRESS)
    try:
        ban = ctx.resource("owner_ban")
    except ResourceError as error:
        ctx.notes.warning(messages.ban_unknown(one_line(error.cause)))
        return _escalate(ctx, messages.ESCALATE_BAN_UNKNOWN)
    if ban.get("banned"):
        return _banned(ctx, str(ban.get("code") or ""), str(ban.get("description") or ""))
    ctx.notes.success(messages.OWNER_NOT_BANNED)
    return _pull_secret(ctx)


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


def _banned(ctx: InvestigationContext, code: str, description: str) -> InvestigationResult:
    """Export control has a process of its own; any other ban the customer can resolve by
    choosing a new owner, so they are told."""
    if code == messages.EXPORT_CONTROL:
        ctx.notes.warning(messages.export_control_ban(description))
        return _escalate(ctx, messages.ESCALATE_EXPORT_CONTROL)
    ctx.notes.warning(messages.other_ban(code, description))
    service_log = ServiceLog(
        severity="Critical",  # upstream's NewOCMBannedUserServiceLog severity
        summary=messages.OWNER_SL_SUMMARY,
        description=messages.OWNER_SL_DESCRIPTION,
        reason="the cluster owner's account is banned",
    )
    return _plan(ctx, service_log, EscalateIncident(reason=messages.ESCALATE_BANNED))


def _pull_secret(ctx: InvestigationContext) -> InvestigationResult:
    try:
        ctx.resource("pull_secret")  # read first: its failures decide the row
    except ResourceError as error:
        if error.name == "kube":
            ctx.notes.warning(messages.unreachable(one_line(error.cause)))
            return _escalate(ctx, messages.ESCALATE_UNREACHABLE)
        if not isinstance(error.cause, FINDINGS):
            raise  # transient: the runner retries the investigation
        ctx.notes.warning(messages.pull_secret_unreadable(one_line(error.cause)))
        return _escalate(ctx, messages.ESCALATE_DONE)
    _note_pull_secret(ctx)
    return _escalate(ctx, messages.ESCALATE_DONE)


def _note_pull_secret(ctx: InvestigationContext) -> None:
    check = ctx.resource("pull_secret_check")
    for line in check["warnings"]:
        ctx.notes.warning(str(line))
    if check["matches"]:
        ctx.notes.success(str(check["matches"]))
