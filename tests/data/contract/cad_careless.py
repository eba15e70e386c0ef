"""A careless plugin: defines its own class under the status page plugin's type id."""

import attrs

from cad_core import Action, Investigation, InvestigationResult, hookimpl, register_action_type


@register_action_type
@attrs.frozen
class StatusUpdate(Action):
    type_id = "status_update"
    body: str = ""


@hookimpl
def cad_investigations():
    yield Investigation(name="careless", run=lambda ctx: InvestigationResult([]))
