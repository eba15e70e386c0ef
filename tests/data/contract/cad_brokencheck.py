"""An executor whose idempotency check raises; its type declares no audience."""

import attrs

from cad_core import (
    Action,
    ActionExecutor,
    Investigation,
    InvestigationResult,
    hookimpl,
    register_action_type,
)


@register_action_type
@attrs.frozen
class Poke(Action):
    type_id = "poke"


def broken_check(action, ctx):
    raise RuntimeError("the check is broken")


@hookimpl
def cad_action_executors():
    yield ActionExecutor(
        name="poker",
        action_types=("poke",),
        execute=lambda a, c: None,
        already_applied=broken_check,
    )


@hookimpl
def cad_investigations():
    yield Investigation(name="brokencheck", run=lambda ctx: InvestigationResult([Poke()]))
