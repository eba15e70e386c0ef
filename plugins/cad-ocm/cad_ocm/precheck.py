"""``precheck``: stop the chain early when CAD cannot or need not investigate.

Decision table (first match wins; every row with actions also stops the chain):

| condition                                   | actions                  |
|---------------------------------------------|--------------------------|
| the cluster is not in OCM (or is ambiguous) | note + escalate          |
| OCM could not be read (transient)           | InfrastructureError (retried) |
| any other failure to read the cluster       | the error (failure handler) |
| state ``uninstalling``                      | note + silence           |
| not on AWS                                  | note + escalate          |
| access protection unreadable (permanent)    | note + escalate (transient: retried) |
| access protection enabled                   | note + escalate          |
| otherwise                                   | none, the chain goes on  |
"""

from __future__ import annotations

from typing import Any

from cad_core.errors import (
    FindingError,
    InfrastructureError,
    NotFoundError,
    ResourceError,
    TransientError,
    one_line,
)
from cad_core.plan.actions import EscalateIncident, IncidentNote
from cad_core.plan.helpers import silence_after
from cad_core.plugins.registrations import Investigation, InvestigationResult
from cad_core.run.context import InvestigationContext

from cad_ocm.errors import AmbiguousClusterError


def _escalate(note: str, reason: str, stop: str) -> InvestigationResult:
    return InvestigationResult(
        [IncidentNote(content=note), EscalateIncident(reason=reason)], stop_chain=stop
    )


def _retry_if_transient(error: ResourceError, what: str) -> None:
    if isinstance(error.cause, TransientError):
        raise InfrastructureError(one_line(error.cause), context=what) from error


def on_aws(cluster: dict[str, Any]) -> bool:
    """The cloud provider decides; without one, an ``aws`` section means AWS (some OCM
    replies for non-CCS clusters carry no ``aws`` section although they run on AWS)."""
    provider = str((cluster.get("cloud_provider") or {}).get("id", "")).lower()
    return provider == "aws" if provider else "aws" in cluster


def cluster_unavailable(ctx: InvestigationContext, error: ResourceError) -> InvestigationResult:
    _retry_if_transient(error, "reading the cluster from OCM")
    unknown = isinstance(error.cause, NotFoundError | AmbiguousClusterError)
    if unknown and ctx.alert is None:
        # Manual mode (cad run -c): no incident to hand over, so the person who typed the
        # id gets a clear error and exit code 1 instead of a quiet success.
        raise FindingError(one_line(error.cause), context="looking up the cluster in OCM")
    if isinstance(error.cause, NotFoundError):
        return _escalate(
            f"⚠️ CAD found no cluster '{ctx.cluster_id}' in OCM, so it could not investigate "
            "this alert. Please check which cluster the alert is about and take it from here.",
            "the cluster is unknown to OCM; a human needs to look",
            "no such cluster in OCM",
        )
    if isinstance(error.cause, AmbiguousClusterError):
        return _escalate(
            f"⚠️ '{ctx.cluster_id}' matches more than one cluster in OCM, so CAD could not "
            f"tell which one to investigate ({one_line(error.cause)}). Please take it from here.",
            "the alert's cluster id matches several OCM clusters; a human needs to look",
            "ambiguous cluster id",
        )
    raise error


def check_cluster(cluster: dict[str, Any]) -> InvestigationResult | None:
    if cluster.get("state") == "uninstalling":
        text = (
            "This cluster is already being uninstalled, so CAD silenced the alert: "
            "there is nothing left to repair."
        )
        return InvestigationResult(
            silence_after(IncidentNote(content=text), text),
            stop_chain="the cluster is uninstalling",
        )
    if not on_aws(cluster):
        provider = (cluster.get("cloud_provider") or {}).get("id") or "an unknown provider"
        text = (
            f"⚠️ This cluster runs on {provider}. CAD's automated checks support only "
            "AWS clusters, so a human needs to investigate this alert."
        )
        return _escalate(
            text,
            f"cloud provider {provider} is not supported by CAD",
            "cloud provider not supported (the cluster is not on AWS)",
        )
    return None


def check_access_protection(ctx: InvestigationContext) -> InvestigationResult | None:
    try:
        protected = ctx.resource("access_protected")
    except ResourceError as error:
        _retry_if_transient(error, "reading the cluster's access protection")
        return _escalate(
            "⚠️ CAD could not find out whether access protection is enabled on this cluster "
            f"({one_line(error.cause)}). CAD cannot work on access-protected clusters, so "
            "a human needs to investigate this alert.",
            "access protection status unknown; a human needs to look",
            "access protection status unknown",
        )
    if protected:
        return _escalate(
            "⚠️ Access protection is enabled on this cluster, and CAD cannot work on "
            "access-protected clusters. A human needs to investigate this alert.",
            "access protection is enabled; a human needs to look",
            "access protection is enabled on the cluster",
        )
    return None


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        cluster = ctx.resource("cluster")
    except ResourceError as error:
        return cluster_unavailable(ctx, error)
    return check_cluster(cluster) or check_access_protection(ctx) or InvestigationResult()


INVESTIGATION = Investigation(
    name="precheck",
    run=run,
    description="stops the chain for unknown, uninstalling, non-AWS or access-protected clusters",
    chain_head=True,  # runs before every default route, as chain_heads does in a config
    # The token is needed before the first OCM call; it is fetched while the alert is read.
    prefetch=("ocm_token", "cluster", "access_protected"),
)
