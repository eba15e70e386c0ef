"""The insightsoperatordown decision table (docs/investigations/insightsoperatordown.md).

Every plan holds the cluster report and the incident note, and ends with an escalation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult
from cad_core.errors import InfrastructureError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note
from cad_core.run.metrics import SERVICELOG_PREPARED

from cad_insightsoperatordown import messages

CONFIG_API = "config.openshift.io/v1"


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        ban = ctx.resource("owner_ban")
    except ResourceError as error:
        ctx.notes.warning(messages.ban_unknown(one_line(error.cause)))
        return _escalate(ctx, messages.ESCALATE_BAN_UNKNOWN)
    if ban.get("banned"):
        ctx.notes.warning(messages.owner_banned(str(ban.get("code")), str(ban.get("description"))))
        return _escalate(ctx, messages.ESCALATE_BANNED)
    ctx.notes.success(messages.OWNER_NOT_BANNED)
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(messages.unreachable(one_line(error.cause)))
        return _escalate(ctx, messages.ESCALATE_UNREACHABLE)
    operator = _insights_operator(kube)
    if operator is None:
        ctx.notes.warning(messages.NO_OPERATOR)
        return _escalate(ctx, messages.ESCALATE_NO_OPERATOR)
    if has_sca_bug(operator):
        ctx.notes.warning(messages.SCA_BUG)
        return _escalate(ctx, messages.ESCALATE_SCA_BUG)
    ctx.notes.success(messages.SCA_RULED_OUT)
    _note_egress(ctx)
    return _escalate(ctx, messages.ESCALATE_DONE)


def _escalate(ctx: InvestigationContext, reason: str) -> InvestigationResult:
    return InvestigationResult([*report_and_note(ctx), EscalateIncident(reason=reason)])


def _insights_operator(kube: Any) -> dict[str, Any] | None:
    try:
        operator: dict[str, Any] | None = kube.get_object(
            CONFIG_API, "clusteroperators", "insights"
        )
    except Exception as error:  # nothing can be said without it: retry the investigation
        raise InfrastructureError(
            f"reading the insights ClusterOperator failed: {one_line(error)}",
            context="kube API get of clusteroperators/insights",
        ) from error
    return operator


def has_sca_bug(operator: Mapping[str, Any]) -> bool:
    """OCPBUGS-22226: an SCAAvailable condition whose message says the pull failed."""
    conditions = (operator.get("status") or {}).get("conditions") or []
    return any(
        c.get("type") == messages.SCA_CONDITION and messages.SCA_SYMPTOM in str(c.get("message"))
        for c in conditions
    )


def _note_egress(ctx: InvestigationContext) -> None:
    """The shared egress verdict, worded by cad-ocm's ``egress_findings``."""
    findings = ctx.resource("egress_findings")
    if findings.get("outcome") == "failure":
        ctx.metric(SERVICELOG_PREPARED, alert_type=ctx.name)  # as upstream: one for a person
    if findings.get("level") == "success":
        ctx.notes.success(str(findings["note"]))
    else:
        ctx.notes.warning(str(findings["note"]))
