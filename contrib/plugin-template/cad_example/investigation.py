"""An investigation that returns the new action alongside a core one."""

from __future__ import annotations

from cad_core import InvestigationContext, InvestigationResult
from cad_example.actions import ChatMessage


def hello(ctx: InvestigationContext) -> InvestigationResult:
    channel = ctx.params.get("channel", "sre")
    ctx.notes.success(f"the example investigation looked at cluster {ctx.cluster_id}")
    return InvestigationResult(
        [ChatMessage(channel=channel, text=f"CAD looked at {ctx.cluster_id}")]
    )
