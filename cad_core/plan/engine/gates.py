"""Whether a planned action may start: prerequisites, the error policy, inform mode.

These are the rules that keep a plan safe when part of it fails: an action that relies on
another (a silence justified by a limited support) never runs unless what it relies on is
in effect, and with ``on_failure: stop`` nothing new starts after the first failure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from enum import StrEnum

from cad_core.errors import ActionValidationError
from cad_core.plan.actions import Action, Audience
from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.plan.engine.schedule import prerequisites
from cad_core.plugins.registrations import ActionExecutor


class OnFailure(StrEnum):
    """What the rest of a plan does once one of its actions fails."""

    CONTINUE = "continue"  # independent actions still run; dependents do not
    STOP = "stop"  # nothing further starts


def check_requires(actions: Sequence[Action]) -> None:
    """Every required type must appear earlier in the plan (before policies rewrite it)."""
    for index, action in enumerate(actions):
        earlier = {a.type_id for a in actions[:index]}
        for wanted in action.requires:
            if wanted not in earlier:
                raise ActionValidationError(
                    f"action #{index} ({action.type_id}) requires {wanted}, but the plan "
                    f"has no {wanted} before it"
                )


def held_for_approval(action: Action) -> bool:
    """In inform mode, every write but an ``internal`` one waits for a person: by the
    type's declared ``audience``, so an undeclared type (core or third-party) is held."""
    return action.audience != Audience.INTERNAL


def blocked(
    index: int,
    actions: Sequence[Action],
    results: Mapping[int, ActionOutcome],
    removed: Sequence[ActionOutcome],
    on_failure: OnFailure,
) -> tuple[Status, str] | None:
    """``(status, reason)`` when ``actions[index]`` must not start, else ``None``."""
    action = actions[index]
    for outcome in removed:  # a prerequisite the policies dropped or replaced
        if outcome.type in action.requires:
            return Status.NOT_RUN, f"{outcome.type} {outcome.status}"
    for prior in sorted(prerequisites(actions, index)):
        status = results[prior].status
        if status == Status.HELD_FOR_APPROVAL:
            return Status.HELD_FOR_APPROVAL, f"{actions[prior].type_id} is held for approval"
        if not status.in_effect:
            return Status.NOT_RUN, f"{actions[prior].type_id} {status}"
    if action.needs_clean_plan:
        unclean = [results[i].type for i in sorted(results) if results[i].status in UNCLEAN]
        if unclean:
            why = f"left for CAD's escalation: {unclean[0]} did not take effect"
            return Status.DROPPED_BY_POLICY, why
    if on_failure == OnFailure.STOP:
        failed = [results[i].type for i in sorted(results) if results[i].status == Status.FAILED]
        if failed:
            return Status.NOT_RUN, f"not started: {failed[0]} failed and on_failure is stop"
    return None


UNCLEAN = (Status.FAILED, Status.NOT_RUN)  # outcomes that keep a plan from closing


def clean_but(index: int, actions: Sequence[Action], results: Mapping[int, ActionOutcome]) -> bool:
    """Whether every action but ``index`` and the closing ones (``needs_clean_plan``) has
    settled, none of them unclean: the closing actions would then run next."""
    for other, action in enumerate(actions):
        if other == index or action.needs_clean_plan:
            continue
        if other not in results or results[other].status in UNCLEAN:
            return False
    return True


def missing_settings(executors: Sequence[ActionExecutor]) -> list[str]:
    """Settings the plan's executors need that are not set, each as 'NAME (executor)'."""
    missing: dict[str, str] = {}
    for executor in executors:
        for name in executor.settings:
            if not os.environ.get(name, "").strip():
                missing.setdefault(name, executor.name)
    return [f"{name} (needed by {who})" for name, who in missing.items()]
