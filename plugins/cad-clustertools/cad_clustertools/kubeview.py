"""Small pure helpers over kube JSON shared by the tools, and the plans they end with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from cad_core import EscalateIncident, IncidentNote, InvestigationContext, InvestigationResult
from cad_core.errors import ResourceError, one_line
from cad_core.plan.caps import first
from cad_core.plan.helpers import report_and_note

Obj = Mapping[str, Any]
ROLE_PREFIX = "node-role.kubernetes.io/"
SHOWN = 50  # items one finding lists by name; the rest are counted


def name_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def namespace_of(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def labels_of(obj: Obj) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def conditions(obj: Obj) -> list[Obj]:
    return list((obj.get("status") or {}).get("conditions") or [])


def condition(obj: Obj, kind: str) -> Obj | None:
    return next((c for c in conditions(obj) if c.get("type") == kind), None)


def is_true(obj: Obj, kind: str) -> bool:
    found = condition(obj, kind)
    return found is not None and found.get("status") == "True"


def roles(node: Obj) -> list[str]:
    return sorted(k[len(ROLE_PREFIX) :] for k in labels_of(node) if k.startswith(ROLE_PREFIX))


def size(units: float) -> str:
    """Bytes as upstream prints them: whole Gi, Mi or Ki."""
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20)):
        if units >= factor:
            return f"{int(units // factor)}{suffix}"
    return f"{int(units // 1024)}Ki"


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago ``moment`` was (``kube.timestamp`` of an object's time), as upstream
    prints it: ``3d4h``, ``2h5m``, ``7m``; ``unknown`` when it could not be read."""
    if moment is None:
        return "unknown"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    days, hours, minutes = seconds // 86400, seconds // 3600 % 24, seconds // 60 % 60
    return f"{days}d{hours}h" if days else f"{hours}h{minutes}m" if hours else f"{minutes}m"


def joined(items: Iterable[str], separator: str = ", ") -> str:
    """The first :data:`SHOWN` items, then how many more: a finding that lists nodes or
    pods stays readable on a cluster of any size."""
    shown, hidden = first(list(items), SHOWN)
    text = separator.join(shown)
    return f"{text}{separator}… and {hidden} more" if hidden else text


def is_hcp(ctx: InvestigationContext) -> bool:
    return bool((ctx.resource("cluster").get("hypershift") or {}).get("enabled"))


def start(
    ctx: InvestigationContext, hcp_warning: str
) -> tuple[Any, bool, InvestigationResult | None]:
    """(kube client, HCP?, None), or (None, False, the plan for a cluster CAD cannot reach:
    a note, as upstream). An HCP cluster gets ``hcp_warning`` in the notes."""
    try:
        kube = ctx.resource("kube")
    except ResourceError as error:
        ctx.notes.warning(f"CAD could not reach the cluster's kube API: {one_line(error.cause)}")
        return None, False, InvestigationResult([IncidentNote(content=ctx.notes.text())])
    hcp = is_hcp(ctx)
    if hcp:
        ctx.notes.warning(hcp_warning)
    return kube, hcp, None


def report(ctx: InvestigationContext, escalate: str = "") -> InvestigationResult:
    cluster_id = str(ctx.resource("cluster").get("id") or ctx.cluster_id)
    plan: list[Any] = report_and_note(ctx, cluster_id)
    if escalate:
        plan.append(EscalateIncident(reason=escalate))
    return InvestigationResult(plan)
