"""Carry out one plan: policies, validate, resolve, schedule, run with retries."""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Mapping, Sequence

import attrs

from cad_core.actions import Action, action_types
from cad_core.context import ExecutionContext
from cad_core.engine.policies import apply_policies
from cad_core.engine.report import ActionOutcome, Status
from cad_core.engine.retry import Deadline, RetryPolicy, call_with_retry
from cad_core.engine.schedule import dependencies, sequential_order
from cad_core.errors import (
    ActionSkipped,
    ActionValidationError,
    BadInputError,
    CadError,
    one_line,
)
from cad_core.metrics import ACTION, Dispatcher
from cad_core.plugins import Registered, Registry
from cad_core.registrations import ActionExecutor


@attrs.frozen
class EngineSettings:
    retry: RetryPolicy = RetryPolicy()
    workers: int = 4
    selection: Mapping[str, str] = attrs.field(factory=dict)  # type id -> executor name


def validate(actions: Sequence[Action]) -> None:
    """Every action must be a known, valid type; the ordering must not form a cycle."""
    known = action_types()
    for index, action in enumerate(actions):
        if not isinstance(action, Action) or known.get(action.type_id) is not type(action):
            raise ActionValidationError(
                f"action #{index} ({type(action).__name__}) is not a registered action type"
            )
        try:
            attrs.validate(action)  # type: ignore[arg-type]
        except ActionValidationError as error:
            raise ActionValidationError(f"action #{index}: {error}") from None
    try:
        sequential_order(actions)
    except StopIteration:
        raise ActionValidationError("the plan's ordering constraints form a cycle") from None


def resolve(
    actions: Sequence[Action], registry: Registry, selection: Mapping[str, str]
) -> list[Registered]:
    return [registry.executor_for(a.type_id, selection) for a in actions]


def _attempt(
    action: Action, executor: ActionExecutor, ctx: ExecutionContext, outcome: ActionOutcome
) -> None:
    """One try: check idempotency first, so a retry never repeats a write that landed."""
    if executor.already_applied is not None:
        reason = executor.already_applied(action, ctx)
        if reason:
            landed = outcome.attempts > 1
            outcome.status = Status.SUCCEEDED if landed else Status.SKIPPED_DUPLICATE
            outcome.reason = "applied by an earlier attempt" if landed else reason
            return
    executor.execute(action, ctx)
    outcome.status = Status.SUCCEEDED


def run_action(
    action: Action, reg: Registered, ctx: ExecutionContext, policy: RetryPolicy, deadline: Deadline
) -> ActionOutcome:
    executor: ActionExecutor = reg.item
    outcome = ActionOutcome(action, executor=executor.name, investigation=ctx.investigation)
    started = time.monotonic()

    def count(n: int) -> None:
        outcome.attempts = n

    try:
        call_with_retry(
            lambda: _attempt(action, executor, ctx, outcome),
            policy,
            deadline,
            f"{action.type_id} via {executor.name}",
            on_attempt=count,
        )
    except ActionSkipped as skip:
        outcome.status, outcome.reason = Status.SKIPPED_DUPLICATE, skip.reason
    except Exception as error:  # executor bugs must become a failed outcome, not a crash
        outcome.status, outcome.error = Status.FAILED, one_line(error)
        if not isinstance(error, CadError):
            ctx.log.exception("executor %s raised unexpectedly", executor.name)
    outcome.started, outcome.finished = started, time.monotonic()
    outcome.duration = outcome.finished - started
    return outcome


def _dry_run(action: Action, reg: Registered, ctx: ExecutionContext) -> ActionOutcome:
    executor: ActionExecutor = reg.item
    text = executor.describe(action, ctx) if executor.describe else action.summary_line()
    return ActionOutcome(
        action, Status.DRY_RUN, executor=executor.name, reason=text, investigation=ctx.investigation
    )


def _schedule(
    actions: Sequence[Action],
    regs: Sequence[Registered],
    ctx: ExecutionContext,
    settings: EngineSettings,
    deadline: Deadline,
) -> list[ActionOutcome]:
    deps = dependencies(actions)
    results: dict[int, ActionOutcome] = {}
    running: dict[cf.Future[ActionOutcome], int] = {}
    with cf.ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="cad-act") as pool:
        while len(results) < len(actions):
            for index in range(len(actions)):
                ready = index not in results and index not in running.values()
                if ready and deps[index] <= results.keys():
                    future = pool.submit(
                        run_action, actions[index], regs[index], ctx, settings.retry, deadline
                    )
                    running[future] = index
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
    return [results[i] for i in range(len(actions))]


def execute_plan(
    actions: Sequence[Action],
    ctx: ExecutionContext,
    registry: Registry,
    metrics: Dispatcher,
    settings: EngineSettings = EngineSettings(),
    deadline: Deadline | None = None,
) -> list[ActionOutcome]:
    """Run the plan and report every action's outcome, including rewrites and rejections."""
    deadline = deadline or Deadline(settings.retry.deadline)
    rewritten = apply_policies(actions, ctx)
    planned = rewritten.actions
    try:
        validate(planned)
        regs = resolve(planned, registry, settings.selection)
    except (ActionValidationError, BadInputError) as error:
        rejected = [
            ActionOutcome(
                a,
                Status.NOT_RUN,
                error=f"plan rejected: {one_line(error)}",
                investigation=ctx.investigation,
            )
            for a in planned
        ]
        return _finish(rewritten.outcomes + rejected, ctx, metrics)
    if ctx.dry_run:
        outcomes = [_dry_run(a, r, ctx) for a, r in zip(planned, regs, strict=True)]
    else:
        outcomes = _schedule(planned, regs, ctx, settings, deadline)
    return _finish(rewritten.outcomes + outcomes, ctx, metrics)


def _finish(
    outcomes: list[ActionOutcome], ctx: ExecutionContext, metrics: Dispatcher
) -> list[ActionOutcome]:
    for outcome in outcomes:
        outcome.investigation = outcome.investigation or ctx.investigation
        metrics.emit(
            ACTION,
            duration=outcome.duration or None,
            type=outcome.type,
            executor=outcome.executor,
            status=outcome.status,
            investigation=outcome.investigation,
            context=getattr(outcome.action, "context", ""),
        )
    return outcomes
