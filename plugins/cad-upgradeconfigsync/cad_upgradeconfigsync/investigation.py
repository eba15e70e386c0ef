"""The upgradeconfigsync decision table (docs/investigations/upgradeconfigsync.md).

Every plan holds the cluster report and the incident note (``report_and_note``), so the
responder sees what CAD found, and ends with an escalation: the alert always needs a human.
The owner and pull-secret checks are worded by cad-ocm's ``owner_ban_findings`` and
``pull_secret_findings``, which ocmagentresponsefailure shares.
"""

from __future__ import annotations

from typing import Any

from cad_core import (
    EscalateIncident,
    InvestigationContext,
    InvestigationResult,
    ServiceLog,
)
from cad_core.plan.helpers import report_and_note

from cad_upgradeconfigsync import messages


def run(ctx: InvestigationContext) -> InvestigationResult:
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


def _owner_service_log() -> ServiceLog:
    """Any ban but export control the customer can resolve by choosing a new owner."""
    return ServiceLog(
        severity="Critical",  # upstream's NewOCMBannedUserServiceLog severity
        summary=messages.OWNER_SL_SUMMARY,
        description=messages.OWNER_SL_DESCRIPTION,
        reason="the cluster owner's account is banned",
    )
