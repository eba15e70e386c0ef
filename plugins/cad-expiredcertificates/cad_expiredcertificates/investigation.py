"""The expiredcertificates decision table (docs/investigations/expiredcertificates.md).

Reads certificates, writes what it found into the notes, and plans a cluster report and
an incident note. It never escalates, silences or stops the chain, so it can run ahead
of any other investigation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cad_core import IncidentNote, InvestigationContext, InvestigationResult
from cad_core.errors import ResourceError, one_line
from cad_core.plan.helpers import report_and_note

from cad_expiredcertificates import checks, messages
from cad_expiredcertificates.readahead import Together, read_ahead
from cad_expiredcertificates.settings import warning_window


def run(ctx: InvestigationContext) -> InvestigationResult:
    window = warning_window(ctx.params)  # a bad setting fails before any request
    try:
        cluster = ctx.resource("cluster")
    except ResourceError as error:
        ctx.notes.warning(messages.no_cluster(one_line(error.cause)))
        return InvestigationResult([IncidentNote(content=ctx.notes.text())])
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(messages.unreachable(one_line(error.cause)))
        return InvestigationResult([IncidentNote(content=ctx.notes.text())])
    judge = checks.Judge(now=datetime.now(UTC), window=window)
    hcp = bool((cluster.get("hypershift") or {}).get("enabled"))
    findings = _all_findings(kube, hcp, judge, ctx.concurrently)
    for finding in findings:
        (ctx.notes.warning if finding.problem else ctx.notes.success)(finding.text)
    attention = sum(f.certificates_needing_attention for f in findings)
    (ctx.notes.warning if attention else ctx.notes.success)(messages.summary(attention, window))
    cluster_id = cluster.get("id") or ctx.cluster_id
    return InvestigationResult(report_and_note(ctx, cluster_id=cluster_id))


def _all_findings(
    kube: checks.KubeReader, hcp: bool, judge: checks.Judge, together: Together
) -> list[checks.Finding]:
    store = checks.SecretStore(kube)
    kube = read_ahead(kube, store, hcp, together)
    findings = (
        [checks.Finding(messages.HCP_SKIPPED)] if hcp else checks.api_server(kube, store, judge)
    )
    findings += checks.default_ingress(kube, store, judge)
    findings += checks.component_routes(kube, store, judge)
    findings += checks.critical_namespaces(store, judge)
    return findings
