"""The clustermonitoringerrorbudgetburn decision table
(docs/investigations/clustermonitoringerrorbudgetburn.md).

A user-workload-monitoring (UWM) misconfiguration is the customer's to fix: CAD tells them
with a service log and silences the alert. Anything else goes to a human with CAD's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import (
    EscalateIncident,
    IncidentNote,
    InvestigationContext,
    InvestigationResult,
    ServiceLog,
)
from cad_core.errors import InfrastructureError, ResourceError, one_line
from cad_core.plan.helpers import report_and_note, silence_after

from cad_errorbudgetburn import messages
from cad_errorbudgetburn.symptoms import Symptom, find_symptom, first_available_condition

CLUSTER_OPERATORS = "/apis/config.openshift.io/v1/clusteroperators"
MONITORING_SELECTOR = {"fieldSelector": "metadata.name=monitoring"}


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        return _api_unreachable(ctx, error)
    operators = _monitoring_operators(kube)
    if len(operators) != 1:
        ctx.notes.warning(messages.wrong_operator_count(len(operators)))
        return _plan(ctx, EscalateIncident(reason=messages.escalate_wrong_count(len(operators))))
    condition = first_available_condition(operators[0])
    symptom = find_symptom(condition)
    if symptom is None:
        ctx.notes.success(messages.UWM_RULED_OUT)
    else:
        ctx.notes.warning(symptom.note)
    if condition is not None:  # the operator's own words help whoever reads the note
        ctx.notes.line(messages.condition_line(str(condition.get("message") or "")))
    if symptom is None:
        return _plan(ctx, EscalateIncident(reason=messages.ESCALATE_RULED_OUT))
    return _customer_misconfiguration(ctx, symptom)


def _api_unreachable(ctx: InvestigationContext, error: ResourceError) -> InvestigationResult:
    """Without the API nothing can be checked; no report, since there is nothing to report."""
    ctx.notes.warning(messages.api_unreachable(one_line(error.cause)))
    return InvestigationResult(
        [
            IncidentNote(content=ctx.notes.text()),
            EscalateIncident(reason=messages.ESCALATE_API_UNREACHABLE),
        ]
    )


def _monitoring_operators(kube: Any) -> list[Mapping[str, Any]]:
    try:
        body = kube.get(CLUSTER_OPERATORS, params=dict(MONITORING_SELECTOR))
    except Exception as error:  # any failed list says nothing about the cluster: retry
        raise InfrastructureError(
            f"listing the monitoring clusteroperator failed: {one_line(error)}",
            context="kube API list of clusteroperators",
        ) from error
    items = (body or {}).get("items") or []
    return [item for item in items if isinstance(item, Mapping)]


def _customer_misconfiguration(ctx: InvestigationContext, symptom: Symptom) -> InvestigationResult:
    ctx.log.info("%s: recognised %s", ctx.name, symptom.key)
    product = (ctx.resource("cluster").get("product") or {}).get("id")
    service_log = ServiceLog(
        severity="Major",
        summary=symptom.summary,
        description=symptom.describe(messages.monitoring_stack_docs(product)),
        reason=symptom.note,
    )
    return _plan(ctx, *silence_after(service_log, symptom.silence_reason))


def _plan(ctx: InvestigationContext, *actions: Any) -> InvestigationResult:
    # The report is filed under the internal id, whatever id the alert or -c gave.
    cluster_id = ctx.resource("cluster").get("id") or ctx.cluster_id
    return InvestigationResult([*report_and_note(ctx, cluster_id=cluster_id), *actions])
