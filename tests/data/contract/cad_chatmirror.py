"""Replaces the incident-note executor: mirrors each note to a chat (a file), then
delegates to the PagerDuty executor it wraps."""

import os

from cad_core import ActionExecutor, hookimpl
from cad_core.plan.notes import note_text


def mirror(action, ctx):
    with open(os.environ["CHAT_FILE"], "a", encoding="utf-8") as chat:
        chat.write(note_text(action, ctx) + "\n---\n")
    ctx.delegate(action, to="pagerduty-note")


@hookimpl
def cad_action_executors():
    yield ActionExecutor(
        name="chat-mirror",
        action_types=("incident_note",),
        execute=mirror,
        already_applied=lambda action, ctx: ctx.delegate_check(action, to="pagerduty-note"),
    )
