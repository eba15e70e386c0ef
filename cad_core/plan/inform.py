"""Inform mode: the plan CAD held back, written for the person who decides on it.

A team rolls out a new investigation in inform mode between ``experimental`` and live: the
investigation runs, but customer-facing and silencing actions wait. CAD posts the plan with
every text it would have written, in full, and the one command that applies exactly that
plan (signed, see :mod:`cad_core.plan.planword`), and escalates.
"""

from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cad_core.plan.actions import Action, to_dict
from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.run.record import RunRecord

if TYPE_CHECKING:
    from cad_core.plan.planword import PlanBinding

# Signing (cad_core.plan.planword, with hmac and base64) is imported only when a plan was
# held: every run asks held_outcomes(), few runs hold anything (issue 26).

log = logging.getLogger("cad.inform")
INDENT = "     "


def held_outcomes(record: RunRecord) -> list[ActionOutcome]:
    return [o for o in record.actions if o.status == Status.HELD_FOR_APPROVAL]


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def action_texts(action: Action) -> list[str]:
    """Every field the action would write, in full: a person decides on what the customer
    would read, not on a summary of it. Continuation lines are indented, so no text can
    pass for a line of CAD's own."""
    lines = []
    for name, value in to_dict(action).items():
        if name in ("type", "requires") or value in ("", None, [], {}):
            continue
        first, *rest = _value_text(value).splitlines() or [""]
        lines.append(f"{INDENT}{name}: {first}")
        lines.extend(f"{INDENT}  {line}" for line in rest)
    return lines


def plan_listing(actions: Sequence[Action]) -> str:
    """Each step's summary line, then each of its texts in full."""
    blocks = []
    for number, action in enumerate(actions, 1):
        blocks.append("\n".join([f"  {number}. {action.summary_line()}", *action_texts(action)]))
    return "\n".join(blocks)


def apply_command(word: str, binding: PlanBinding) -> str:
    words = ["cad", "apply", "--cluster-id", binding.cluster_id or "<cluster id>"]
    if binding.incident_id:
        words += ["--alert-source", binding.alert_source, "--incident-id", binding.incident_id]
    return shlex.join([*words, word])


def plan_binding(held: Sequence[ActionOutcome], record: RunRecord) -> PlanBinding:
    from cad_core.plan.planword import new_binding

    alert = record.alert
    return new_binding(
        record.cluster_id,
        alert.id if alert else "",
        alert.source if alert else "",
        [o.investigation for o in held],
    )


def inform_note(held: Sequence[ActionOutcome], record: RunRecord) -> str:
    from cad_core.plan.planword import KEY_SETTING, expiry_text, plan_keys, sign_plan

    actions = [o.action for o in held]
    head = (
        "🤖 CAD ran in inform mode, so it held back these steps instead of taking them. "
        "Each is shown with every text it would write, in full: what the customer would "
        f"read is exactly this.\n{plan_listing(actions)}\n"
    )
    keys = plan_keys()
    if not keys:
        log.warning("%s is not set: the held plan goes out with no command", KEY_SETTING)
        return head + (
            f"CAD cannot offer a command that applies this plan: {KEY_SETTING} is not set, "
            "so it cannot sign the plan, and cad apply takes only plans CAD signed. If you "
            "agree with these steps, take them by hand."
        )
    binding = plan_binding(held, record)
    return head + (
        "If you agree with them, apply exactly this plan. cad apply shows it again and asks "
        "before it writes; it is safe to run twice (steps already in place are skipped). "
        f"It is for this incident and cluster only, and expires {expiry_text(binding)}:\n"
        f"{apply_command(sign_plan(actions, binding, keys[0]), binding)}"
    )
