"""Inform mode: the plan CAD held back, written for the person who decides on it.

A team rolls out a new investigation in inform mode between ``experimental`` and live: the
investigation runs, but customer-facing and silencing actions wait. CAD posts the exact plan
with the one command that applies it, and escalates.
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Sequence
from typing import Any

from cad_core.actions import Action, from_dict, to_dict
from cad_core.engine.report import ActionOutcome, Status
from cad_core.errors import ActionValidationError, BadInputError
from cad_core.record import RunRecord


def held_outcomes(record: RunRecord) -> list[ActionOutcome]:
    return [o for o in record.actions if o.status == Status.HELD_FOR_APPROVAL]


def encode_plan(actions: Sequence[Action]) -> str:
    """The plan as one shell-safe word: base64url of its compact JSON."""
    kept = {a.type_id for a in actions}
    items = []
    for action in actions:
        item = to_dict(action)
        # A prerequisite that was not held back already ran; do not require it again.
        requires = [t for t in item.pop("requires", []) if t in kept]
        items.append({**item, **({"requires": requires} if requires else {})})
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_plan(word: str) -> list[Action]:
    """The inverse of :func:`encode_plan`; anything malformed is one BadInputError."""
    try:
        raw = base64.urlsafe_b64decode(word.strip() + "=" * (-len(word.strip()) % 4))
        items: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadInputError("the plan is not one CAD wrote (expected base64 JSON)") from None
    if not isinstance(items, list) or not items:
        raise BadInputError("the plan must be a non-empty list of actions")
    try:
        return [from_dict(item) for item in items]
    except ActionValidationError as error:
        raise BadInputError(f"the plan holds an invalid action: {error}") from None


def apply_command(actions: Sequence[Action], record: RunRecord) -> str:
    words = ["cad", "apply", "--cluster-id", record.cluster_id or "<cluster id>"]
    if record.alert is not None:
        words += ["--alert-source", record.alert.source, "--incident-id", record.alert.id]
    return shlex.join([*words, encode_plan(actions)])


def inform_note(held: Sequence[ActionOutcome], record: RunRecord) -> str:
    actions = [o.action for o in held]
    lines = "\n".join(f"  {n}. {a.summary_line()}" for n, a in enumerate(actions, 1))
    return (
        "🤖 CAD ran in inform mode, so it held back these steps instead of taking them:\n"
        f"{lines}\n"
        "If you agree with them, apply exactly this plan (it is safe to run twice; steps "
        "already in place are skipped):\n"
        f"{apply_command(actions, record)}"
    )
