"""A legitimate third-party plugin: posts to a public status page (here, a file)."""

import os

import attrs

from cad_core import (
    Action,
    ActionExecutor,
    DefaultRoute,
    Investigation,
    InvestigationResult,
    Resource,
    SandboxSimulator,
    hookimpl,
    register_action_type,
)


@register_action_type
@attrs.frozen
class StatusUpdate(Action):
    type_id = "status_update"
    audience = "public"
    text: str


def post(action, ctx):
    with open(os.environ["STATUSPAGE_FILE"], "a", encoding="utf-8") as page:
        page.write(action.text + "\n")


def statuspage(ctx):
    return InvestigationResult([StatusUpdate(text=f"{ctx.resources.get('statuspage')}: degraded")])


@hookimpl
def cad_action_executors():
    yield ActionExecutor(
        name="statuspage",
        action_types=("status_update",),
        execute=post,
        settings=("STATUSPAGE_FILE",),
    )


@hookimpl
def cad_investigations():
    yield Investigation(
        name="statuspage", run=statuspage, default_route=DefaultRoute("StatusPageAlert")
    )


@hookimpl
def cad_resources():
    yield Resource(name="statuspage", factory=lambda resources: "production")


@hookimpl
def cad_sandbox_simulators():
    yield SandboxSimulator(
        name="statuspage", setting="STATUSPAGE_URL", routes={"GET /": lambda r, s: s}
    )
