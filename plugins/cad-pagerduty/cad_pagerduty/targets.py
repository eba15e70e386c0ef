"""The PagerDuty incident a plan acts on."""

from __future__ import annotations

from cad_core.errors import PermanentError
from cad_core.run.context import ExecutionContext
from cad_pagerduty.source import SOURCE


def incident_id(ctx: ExecutionContext) -> str:
    alert = ctx.alert
    if alert is None:
        raise PermanentError("this run has no PagerDuty incident to act on (a manual run?)")
    if alert.source != SOURCE:
        raise PermanentError(
            f"the alert came from the {alert.source!r} source, not from PagerDuty, so there "
            "is no PagerDuty incident to act on"
        )
    return alert.id


def target(ctx: ExecutionContext) -> str:
    """The incident for dry-run texts, which must not fail."""
    return f"PagerDuty incident {ctx.alert.id}" if ctx.alert else "the PagerDuty incident"
