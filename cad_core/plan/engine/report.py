"""Per-action outcomes: what the run record and the metrics are built from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs

from cad_core.plan.actions import Action, to_dict


class Status(StrEnum):
    """What happened to one action (the run record's ``actions[].status``)."""

    SUCCEEDED = "succeeded"
    SKIPPED_DUPLICATE = "skipped_duplicate"
    FAILED = "failed"
    DRY_RUN = "dry_run"
    DROPPED_BY_POLICY = "dropped_by_policy"
    REPLACED_BY_POLICY = "replaced_by_policy"
    NOT_RUN = "not_run"
    HELD_FOR_APPROVAL = "held_for_approval"

    @property
    def in_effect(self) -> bool:
        """The action's effect is in place: a dependent action may rely on it."""
        return self in (Status.SUCCEEDED, Status.SKIPPED_DUPLICATE)


@attrs.define
class ActionOutcome:
    """What happened to one planned action (what ``run_investigation`` returns, in plan
    order, and the run record's ``actions[]``).

    ``action`` is the planned action and ``type`` its type id; ``status`` a
    :class:`Status`; ``executor`` the name of the executor that carried it out (or would
    have); ``attempts`` how many times it was tried; ``error`` why it failed or did not
    run; ``reason`` why it was skipped, held or dropped, or what a dry run would do;
    ``investigation`` the investigation whose plan it was ("" for CAD's own escalation).
    """

    action: Action
    status: Status = Status.NOT_RUN
    executor: str = ""
    attempts: int = 0
    duration: float = 0.0
    error: str | None = None
    reason: str = ""
    investigation: str = ""
    started: float = 0.0  # time.monotonic() when the engine began it (0: never ran)
    finished: float = 0.0

    @property
    def type(self) -> str:
        return self.action.type_id

    def to_record(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "executor": self.executor or None,
            "status": self.status,
            "attempts": self.attempts,
            "duration_s": round(self.duration, 4),
            "error": self.error,
            "reason": self.reason or None,
            "investigation": self.investigation or None,
            "payload": to_dict(self.action),
        }
