"""The upgradeconfigsync decision table (docs/investigations/upgradeconfigsync.md).

Every plan holds the cluster report and the incident note (``report_and_note``), so the
responder sees what CAD found, and ends with an escalation: the alert always needs a human.
"""

from __future__ import annotations

from typing import Any

from cad_core import (
    EscalateIncident,
    InvestigationContext,
    InvestigationResult,
    ServiceLog,
)
from cad_core.errors import NotFoundError, PermanentError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_upgradeconfigsync import messages

# A missing or unreadable object is a finding; anything else (transient) is retried.
FINDINGS = (NotFoundError, PermanentError)


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        ban = ctx.resource("owner_ban")
    except ResourceError as error:
        ctx.notes.warning(messages.ban_unknown(one_line(error.cause)))
        return _escalate(ctx, messages.ESCALATE_BAN_UNKNOWN)
    if ban.get("banned"):
        return _banned(ctx, str(ban.get("code") or ""), str(ban.get("description") or ""))
    ctx.notes.success(messages.OWNER_NOT_BANNED)
    try:
        ctx.resource("pull_secret")
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


def _plan(ctx: InvestigationContext, *actions: Any) -> InvestigationResult:
    return InvestigationResult([*report_and_note(ctx), *actions])


def _escalate(ctx: InvestigationContext, reason: str) -> InvestigationResult:
    return _plan(ctx, EscalateIncident(reason=reason))


def _banned(ctx: InvestigationContext, code: str, description: str) -> InvestigationResult:
    """Export control is a process of its own; any other ban the customer can resolve by
    choosing a new owner, so they are told."""
    if code == messages.EXPORT_CONTROL:
        ctx.notes.warning(messages.export_control_ban(description))
        return _escalate(ctx, messages.ESCALATE_EXPORT_CONTROL)
    ctx.notes.warning(messages.other_ban(code, description))
    return _plan(
        ctx,
        ServiceLog(
            severity="Critical",  # upstream's NewOCMBannedUserServiceLog severity
            summary=messages.OWNER_SL_SUMMARY,
            description=messages.OWNER_SL_DESCRIPTION,
            reason="the cluster owner's account is banned",
        ),
        EscalateIncident(reason=messages.ESCALATE_BANNED),
    )


def _note_pull_secret(ctx: InvestigationContext) -> None:
    check = ctx.resource("pull_secret_check")
    for line in check["warnings"]:
        ctx.notes.warning(str(line))
    if check["matches"]:
        ctx.notes.success(str(check["matches"]))
