"""Executors for ``service_log``, ``limited_support`` and ``cluster_report``.

Each has an idempotency check (``already_applied``) the engine runs before every
attempt, so re-running an investigation or retrying an action never writes twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cad_core.errors import ActionSkipped, PermanentError
from cad_core.plan.actions import ClusterReport, LimitedSupport, ServiceLog
from cad_core.plan.caps import WriteLimit
from cad_core.plugins.registrations import ActionExecutor
from cad_core.run.context import ExecutionContext

from cad_ocm.docs_guard import check_documentation, cluster_product, find_mismatch
from cad_ocm.paths import SERVICE_LOGS, limited_support_path
from cad_ocm.resources import backplane
from cad_ocm.settings import BACKPLANE_REQUIRED, OCM_REQUIRED

UNINSTALLING = "Operation is not allowed for a cluster in 'uninstalling' state"

# -- sizes ----------------------------------------------------------------------------
# Neither OCM's API model (openshift-online/ocm-api-model: service_logs/v1 LogEntry,
# clusters_mgmt/v1 LimitedSupportReason) nor backplane's OpenAPI (openshift/backplane-api:
# CreateReport) states a size for these fields, and neither osdctl nor upstream CAD checks
# one. The numbers below are CAD's own conservative choices (docs/write-limits.md): a
# summary is a title, a customer message is read in the console, a report is read with
# osdctl. A write that would be longer keeps its first lines and says how much was left out.
UNCONFIRMED = "chosen: the API documents no limit"
SERVICE_LOG_SUMMARY = WriteLimit("service log summary", 255, UNCONFIRMED)
SERVICE_LOG_DESCRIPTION = WriteLimit("service log description", 4_000, UNCONFIRMED)
LIMITED_SUPPORT_SUMMARY = WriteLimit("limited support reason summary", 255, UNCONFIRMED)
LIMITED_SUPPORT_DETAILS = WriteLimit("limited support reason details", 4_000, UNCONFIRMED)
REPORT_SUMMARY = WriteLimit("cluster report summary", 255, UNCONFIRMED)
REPORT_DATA = WriteLimit("cluster report data (before base64)", 50_000, UNCONFIRMED)
LIMITS = (
    SERVICE_LOG_SUMMARY,
    SERVICE_LOG_DESCRIPTION,
    LIMITED_SUPPORT_SUMMARY,
    LIMITED_SUPPORT_DETAILS,
    REPORT_SUMMARY,
    REPORT_DATA,
)


def customer_tail(lines: int, characters: int) -> str:
    """The closing line of a shortened customer message: what is missing, and how to ask."""
    left = f"{lines} more lines" if lines else f"{characters} more characters"
    return (
        f"(To keep this message short, {left} were left out. If you would like to see "
        "them, please open a support case and we will gladly share them.)"
    )


def report_tail(lines: int, characters: int) -> str:
    return (
        f"… and {lines} more lines ({characters} characters) not saved, to keep this report "
        f"under {REPORT_DATA.chars} characters"
    )


def _log_fields(action: ServiceLog) -> tuple[str, str]:
    """(summary, description) as sent: within OCM's sizes."""
    return (
        SERVICE_LOG_SUMMARY.fit_line(action.summary),
        SERVICE_LOG_DESCRIPTION.fit(action.description, customer_tail),
    )


def _reason_fields(action: LimitedSupport) -> tuple[str, str]:
    """(summary, details) as sent: within OCM's sizes."""
    return (
        LIMITED_SUPPORT_SUMMARY.fit_line(action.summary),
        LIMITED_SUPPORT_DETAILS.fit(action.details, customer_tail),
    )


def _report_fields(action: ClusterReport) -> tuple[str, str]:
    """(summary, data) as sent: within backplane's sizes."""
    return REPORT_SUMMARY.fit_line(action.summary), REPORT_DATA.fit(action.data, report_tail)


def _resource(ctx: ExecutionContext, name: str) -> Any:
    return ctx.resource(name)


def _backplane(ctx: ExecutionContext) -> Any:
    return backplane(ctx.resources)


def _guard_preview(ctx: ExecutionContext, text: str) -> str:
    """For dry runs: warn about a documentation mismatch if the cluster is already known
    (a dry run must not call OCM just to describe an action)."""
    if not ctx.resources.is_built("cluster"):
        return ""
    product = cluster_product(ctx.resource("cluster"))
    mismatch = find_mismatch(text, product) if product else None
    if mismatch is None:
        return ""
    return f" - WARNING: would be refused, it links {mismatch[1].upper()} docs ({mismatch[0]})"


# -- service log --------------------------------------------------------------------


def service_log_applied(action: ServiceLog, ctx: ExecutionContext) -> str | None:
    cluster = _resource(ctx, "cluster")
    ocm = _resource(ctx, "ocm")
    summary, description = _log_fields(action)
    # Narrow the search by summary when it can be quoted; compare exactly either way.
    query = "" if "'" in summary else f"summary='{summary}'"
    for entry in ocm.service_logs(cluster, query):
        if (entry.get("summary"), entry.get("description")) == (summary, description):
            return f"the cluster already has the service log '{summary}'"
    return None


def execute_service_log(action: ServiceLog, ctx: ExecutionContext) -> None:
    cluster = _resource(ctx, "cluster")
    summary, description = _log_fields(action)
    check_documentation("service log", summary, description, cluster)
    _resource(ctx, "ocm").post(
        SERVICE_LOGS,
        {
            "kind": "LogEntry",
            "severity": action.severity,
            "service_name": action.service_name,
            "summary": summary,
            "description": description,
            "internal_only": action.internal_only,
            "cluster_id": cluster["id"],
        },
    )
    ctx.log.info("service log %r sent (%s)", summary, action.reason or "no reason given")
    ctx.notes.automation(
        f"Sent a service log to the customer: '{summary}'"
        if not action.internal_only
        else f"Added an internal service log: '{summary}'"
    )


def describe_service_log(action: ServiceLog, ctx: ExecutionContext) -> str:
    audience = "internal only" if action.internal_only else "visible to the customer"
    summary, description = _log_fields(action)
    return (
        f"send a {action.severity} service log '{summary}' to cluster "
        f"{ctx.cluster_id} ({audience})" + _guard_preview(ctx, description)
    )


# -- limited support ----------------------------------------------------------------


def limited_support_applied(action: LimitedSupport, ctx: ExecutionContext) -> str | None:
    path = limited_support_path(_resource(ctx, "cluster"))
    summary, details = _reason_fields(action)
    for reason in _resource(ctx, "ocm").list_items(path):
        if (reason.get("summary"), reason.get("details")) == (summary, details):
            return f"the cluster is already in limited support for '{summary}'"
    return None


def execute_limited_support(action: LimitedSupport, ctx: ExecutionContext) -> None:
    cluster = _resource(ctx, "cluster")
    summary, details = _reason_fields(action)
    check_documentation("limited support reason", summary, details, cluster)
    body = {
        "kind": "LimitedSupportReason",
        "summary": summary,
        "details": details,
        "detection_type": "manual",
    }
    try:
        _resource(ctx, "ocm").post(limited_support_path(cluster), body)
    except PermanentError as error:
        # OCM's own text is the only signal for this refusal.
        if UNINSTALLING in str(getattr(error, "reason", "") or error):
            raise ActionSkipped(
                "the cluster is uninstalling, so OCM takes no limited support reason; nothing to do"
            ) from error
        raise
    ctx.notes.automation(f"Put the cluster in limited support: '{summary}'")


def describe_limited_support(action: LimitedSupport, ctx: ExecutionContext) -> str:
    summary, details = _reason_fields(action)
    return f"put cluster {ctx.cluster_id} in limited support: '{summary}'" + _guard_preview(
        ctx, details
    )


# -- cluster report -----------------------------------------------------------------


def _report_cluster_id(action: ClusterReport, ctx: ExecutionContext) -> str:
    """Backplane keys reports by the internal id; the run's own cluster may have been
    named by external id or name, so translate that one."""
    if action.cluster_id == ctx.cluster_id:
        return str(_resource(ctx, "cluster")["id"])
    return action.cluster_id


def cluster_report_applied(action: ClusterReport, ctx: ExecutionContext) -> str | None:
    cluster_id = _report_cluster_id(action, ctx)
    _, sent = _report_fields(action)
    for report_id, data in _backplane(ctx).report_contents(cluster_id):
        if data == sent:
            return f"backplane already holds these findings as report {report_id}"
    return None


def execute_cluster_report(action: ClusterReport, ctx: ExecutionContext) -> None:
    cluster_id = _report_cluster_id(action, ctx)
    report_id = _backplane(ctx).create_report(cluster_id, *_report_fields(action))
    ctx.notes.automation(
        "Saved these findings as a cluster report. View it with:\n"
        f"osdctl cluster reports get --cluster-id {cluster_id} --report-id {report_id}"
    )


def describe_cluster_report(action: ClusterReport, ctx: ExecutionContext) -> str:
    return (
        f"save a backplane report '{action.summary}' for cluster {action.cluster_id} "
        f"({len(_report_fields(action)[1])} characters of findings)"
    )


def registrations() -> Iterator[ActionExecutor]:
    yield ActionExecutor(
        name="ocm-service-log",
        action_types=("service_log",),
        execute=execute_service_log,
        settings=OCM_REQUIRED,
        already_applied=service_log_applied,
        describe=describe_service_log,
    )
    yield ActionExecutor(
        name="ocm-limited-support",
        action_types=("limited_support",),
        execute=execute_limited_support,
        settings=OCM_REQUIRED,
        already_applied=limited_support_applied,
        describe=describe_limited_support,
    )
    yield ActionExecutor(
        name="backplane-report",
        action_types=("cluster_report",),
        execute=execute_cluster_report,
        settings=(*OCM_REQUIRED, *BACKPLANE_REQUIRED),
        already_applied=cluster_report_applied,
        describe=describe_cluster_report,
    )
