"""The cannotretrieveupdates decision table (docs/investigations/cannotretrieveupdates.md).

Both checks only inform: the plan is always the report, the note and an escalation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import EscalateIncident, InvestigationContext, InvestigationResult
from cad_core.errors import ResourceError, one_line
from cad_core.plan.helpers import report_and_note
from cad_core.run.metrics import SERVICELOG_PREPARED

from cad_cannotretrieveupdates import messages

CONFIG_API = "config.openshift.io/v1"


def run(ctx: InvestigationContext) -> InvestigationResult:
    ctx.resource("cluster")  # first: an unknown cluster stops the run before any probe
    _note_egress(ctx)
    _note_cluster_version(ctx)
    return InvestigationResult([*report_and_note(ctx), EscalateIncident(reason=messages.ESCALATE)])


def _note_egress(ctx: InvestigationContext) -> None:
    """The shared egress verdict, worded by cad-ocm's ``egress_findings``."""
    findings = ctx.resource("egress_findings")
    if findings.get("outcome") == "failure":
        ctx.metric(SERVICELOG_PREPARED, alert_type=ctx.name)  # as upstream: one for a person
    if findings.get("level") == "success":
        ctx.notes.success(str(findings["note"]))
    else:
        ctx.notes.warning(str(findings["note"]))


def _note_cluster_version(ctx: InvestigationContext) -> None:
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(messages.unreachable(one_line(error.cause)))
        return
    try:
        version = kube.get_object(CONFIG_API, "clusterversions", "version")
    except Exception as error:  # a note is all this check adds: do not rerun the verifier
        ctx.notes.warning(messages.version_unreadable(one_line(error)))
        return
    if version is None:
        ctx.notes.warning(messages.version_unreadable("there is no ClusterVersion 'version'"))
        return
    desired = str(((version.get("status") or {}).get("desired") or {}).get("version") or "")
    ctx.notes.success(messages.version_found(desired))
    failed = retrieval_failure(version)
    if failed is None:
        ctx.notes.success(messages.RETRIEVAL_OK)
        return
    channel = str((version.get("spec") or {}).get("channel") or "")
    ctx.notes.warning(
        messages.retrieval_failed(
            str(failed.get("reason") or ""), str(failed.get("message") or ""), desired, channel
        )
    )


def retrieval_failure(version: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first ``RetrievedUpdates`` condition with status ``False``, as upstream reads it."""
    for condition in (version.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "RetrievedUpdates" and condition.get("status") == "False":
            return dict(condition)
    return None
