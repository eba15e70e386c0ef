"""An investigation whose plan holds things that are not actions."""

from cad_core import DefaultRoute, Investigation, InvestigationResult, hookimpl


def badplan(ctx):
    ctx.notes.warning("the disk is 97% full")
    return InvestigationResult(["not an action", 42])


@hookimpl
def cad_investigations():
    yield Investigation(name="badplan", run=badplan, default_route=DefaultRoute("BadPlanAlert"))
