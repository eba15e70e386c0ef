"""The incident title: its executor, and the title a silence or escalation carries.

The title closes a chain (``needs_clean_plan``): it waits for the rest of the plan. When
the plan's last other write is a silence or an escalation, and the engine says every
other action took effect (``ctx.plan.closing_due``), that write sends the new title in the
same ``PUT /incidents`` entry (PagerDuty accepts ``title`` next to ``escalation_policy``
and ``escalation_level`` there), and the title action then has nothing left to send.
"""

from __future__ import annotations

from typing import Any

from cad_core.errors import ActionSkipped
from cad_core.plan.actions import Action, IncidentTitle
from cad_core.run.context import ExecutionContext
from cad_pagerduty import incidents
from cad_pagerduty.targets import incident_id, target
from cad_pagerduty.view import IncidentView, view_of


def _current_title(view: IncidentView) -> str:
    title = view.incident().get("title")
    return title if isinstance(title, str) else ""


def _closing_title(action: Action, ctx: ExecutionContext) -> IncidentTitle | None:
    """The title that follows ``action`` in its plan, when it would run right after it."""
    index = next((i for i, planned in enumerate(ctx.plan) if planned is action), None)
    if index is None:
        return None
    later = (a for a in ctx.plan[index + 1 :] if isinstance(a, IncidentTitle))
    title = next(later, None)
    return title if title is not None and ctx.plan.closing_due(action) else None


def write_carrying_title(
    action: Action, ctx: ExecutionContext, view: IncidentView, fields: dict[str, Any]
) -> None:
    """``PUT`` ``fields``, plus the plan's new title when it may ride along."""
    title = _closing_title(action, ctx)
    current = _current_title(view)
    carried = None
    if title is not None and title.prefix not in current:
        carried = f"{title.prefix} {current}".strip()
        fields = {**fields, "title": carried}
    view.write(incidents.update, view.incident_id, fields)
    if carried is not None:
        view.carried_title = carried


def incident_title_applied(action: IncidentTitle, ctx: ExecutionContext) -> str | None:
    view = view_of(ctx, incident_id(ctx))
    if view.carried_title is not None:
        return None  # this plan set it a moment ago; execute() reports it as done
    if action.prefix in _current_title(view):
        return f"the title already contains {action.prefix}"
    return None


def execute_incident_title(action: IncidentTitle, ctx: ExecutionContext) -> None:
    view = view_of(ctx, incident_id(ctx))
    if view.carried_title is not None:
        ctx.log.info("the title went with the previous write: %s", view.carried_title)
        return
    title = _current_title(view)
    if action.prefix in title:
        raise ActionSkipped(f"the title already contains {action.prefix}")
    new_title = f"{action.prefix} {title}".strip()
    view.write(incidents.set_title, view.incident_id, new_title)


def describe_incident_title(action: IncidentTitle, ctx: ExecutionContext) -> str:
    return f"prefix the title of {target(ctx)} with {action.prefix!r}"
