"""Carry out one plan: policies, validate, resolve, schedule, run with retries."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import attrs

from cad_core import logcontext
from cad_core.errors import (
    ActionSkipped,
    ActionValidationError,
    BadInputError,
    CadError,
    PermanentError,
    one_line,
)
from cad_core.plan.actions import Action, action_types
from cad_core.plan.engine.gates import (
    OnFailure,
    blocked,
    check_requires,
    clean_but,
    held_for_approval,
    missing_settings,
)
from cad_core.plan.engine.policies import apply_policies
from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.plan.engine.retry import Deadline, RetryPolicy, call_with_retry
from cad_core.plan.engine.schedule import dependencies, sequential_order
from cad_core.plan.view import PlanView
from cad_core.plugins.lookups import EXECUTORS
from cad_core.plugins.registrations import ActionExecutor
from cad_core.plugins.registry import Registered, Registry
from cad_core.run.context import ExecutionContext
from cad_core.run.metrics import ACTION, Dispatcher


@attrs.frozen
class EngineSettings:
    retry: RetryPolicy = RetryPolicy()
    workers: int = 4
    selection: Mapping[str, str] = attrs.field(factory=dict)  # type id -> executor name
    on_failure: OnFailure = OnFailure.CONTINUE
    inform: bool = False  # hold customer-facing and silencing actions for a person
    # Raises LockLost when the run's locks can no longer be shown to be held; called
    # right before every write (cad_core.run.locks.Fence). None: nothing to check.
    fence: Callable[[], None] | None = None


def validate(
    actions: Sequence[Action],
    registry: Registry | None = None,
    selection: Mapping[str, str] | None = None,
) -> None:
    """Every action must be a known, valid type; the ordering must not form a cycle.

    With a registry, an action type two plugins define must be the class the registry
    chose for it (the routing config's ``executors:`` pick)."""
    known = action_types()
    for index, action in enumerate(actions):
        if not isinstance(action, Action):
            raise ActionValidationError(
                f"action #{index} ({type(action).__name__}) is not a registered action type"
            )
        wanted = (
            registry.action_class(action.type_id, selection)
            if registry is not None
            else known.get(action.type_id)
        )
        if wanted is not type(action):
            raise ActionValidationError(
                f"action #{index} ({type(action).__module__}.{type(action).__qualname__}) "
                f"is not the registered class of action type {action.type_id!r}"
            )
        try:
            attrs.validate(action)
        except Exception as error:  # a third-party validator may raise anything
            raise ActionValidationError(f"action #{index}: {one_line(error)}") from None
    try:
        sequential_order(actions)
    except StopIteration:
        raise ActionValidationError("the plan's ordering constraints form a cycle") from None


def resolve(
    actions: Sequence[Action], registry: Registry, selection: Mapping[str, str]
) -> list[Registered]:
    return [registry.executor_for(a.type_id, selection) for a in actions]


def _attempt(
    action: Action,
    executor: ActionExecutor,
    ctx: ExecutionContext,
    outcome: ActionOutcome,
    fence: Callable[[], None] | None = None,
) -> None:
    """One try: check idempotency first, so a retry never repeats a write that landed;
    then the fence, last before the write, so a run that lost its lock does not write."""
    if executor.already_applied is not None:
        reason = executor.already_applied(action, ctx)
        if reason:
            landed = outcome.attempts > 1
            outcome.status = Status.SUCCEEDED if landed else Status.SKIPPED_DUPLICATE
            outcome.reason = "applied by an earlier attempt" if landed else reason
            _note_in_effect(action, ctx, outcome.reason)
            return
    from cad_core.run.locks import writes_fenced  # here: cad_core.run.locks imports the engine

    if fence is not None:
        fence()
    with writes_fenced(fence):  # and again at the wire, where an executor asks
        executor.execute(action, ctx)
    outcome.status = Status.SUCCEEDED


def _note_in_effect(action: Action, ctx: ExecutionContext, reason: str) -> None:
    """A note writer that found its effect already in place still tells the responder.

    Otherwise a re-run after a killed run would post notes that never mention the limited
    support or service log the killed run had already sent.
    """
    if action.writes_notes and reason:
        ctx.notes.automation(f"{reason[0].upper()}{reason[1:]}; CAD did not apply it again.")


def run_action(
    action: Action,
    reg: Registered,
    ctx: ExecutionContext,
    policy: RetryPolicy,
    deadline: Deadline,
    fence: Callable[[], None] | None = None,
) -> ActionOutcome:
    # On the worker thread that runs it: its log lines (retries too) name the action.
    with logcontext.work_scope(ctx.investigation, action.type_id):
        return _run_action(action, reg, ctx, policy, deadline, fence)


def _run_action(
    action: Action,
    reg: Registered,
    ctx: ExecutionContext,
    policy: RetryPolicy,
    deadline: Deadline,
    fence: Callable[[], None] | None,
) -> ActionOutcome:
    from cad_core.run.locks import (
        LockLost,  # here: cad_core.run.locks imports the engine's settings
    )

    executor: ActionExecutor = reg.item
    outcome = ActionOutcome(action, executor=executor.name, investigation=ctx.investigation)
    started = time.monotonic()

    def count(n: int) -> None:
        outcome.attempts = n

    try:
        call_with_retry(
            lambda: _attempt(action, executor, ctx, outcome, fence),
            policy,
            deadline,
            f"{action.type_id} via {executor.name}",
            on_attempt=count,
        )
    except ActionSkipped as skip:
        outcome.status, outcome.reason = Status.SKIPPED_DUPLICATE, skip.reason
    except LockLost as lost:  # not retried: the write was never made
        outcome.status, outcome.error = Status.NOT_RUN, one_line(lost)
        ctx.log.error("%s not run: %s", action.type_id, one_line(lost))
    except Exception as error:  # executor bugs must become a failed outcome, not a crash
        outcome.status, outcome.error = Status.FAILED, one_line(error)
        if not isinstance(error, CadError):
            ctx.log.exception("executor %s raised unexpectedly", executor.name)
    outcome.started, outcome.finished = started, time.monotonic()
    outcome.duration = outcome.finished - started
    return outcome


def _dry_run(
    action: Action,
    reg: Registered,
    ctx: ExecutionContext,
    settings: EngineSettings,
    deadline: Deadline,
) -> ActionOutcome:
    """The preview asks the read-only idempotency check, so it says what would really happen.

    The check gets the live run's retries; when it still fails, the live run would fail
    this action too, so the preview reports it ``failed`` (the run's exit code follows)."""
    executor: ActionExecutor = reg.item
    outcome = ActionOutcome(
        action, Status.DRY_RUN, executor=executor.name, investigation=ctx.investigation
    )
    text = _describe(action, executor, ctx)
    if settings.inform and held_for_approval(action):  # the live run asks nothing of it
        outcome.reason = f"would hold for approval: {text}"
        return outcome
    outcome.reason = f"would run: {text}"  # kept when the check then fails
    if executor.already_applied is None:
        return outcome
    check = executor.already_applied
    what = f"{action.type_id} via {executor.name} (idempotency check)"
    try:
        reason = call_with_retry(lambda: check(action, ctx), settings.retry, deadline, what)
    except Exception as error:  # the live run would fail this action: say so, loudly
        outcome.status = Status.FAILED
        outcome.error = f"would fail: its idempotency check raised: {one_line(error)}"
        return outcome
    if reason:
        outcome.reason = f"would skip: already applied ({reason})"
    return outcome


def _describe(action: Action, executor: ActionExecutor, ctx: ExecutionContext) -> str:
    if executor.describe is not None:
        try:
            return str(executor.describe(action, ctx))
        except Exception as error:  # only the wording of the preview is lost
            ctx.log.warning("%s could not describe %s: %s", executor.name, action.type_id, error)
    return action.summary_line()


class _Scheduler:
    """Starts each action once what it waits for is done, unless a gate says otherwise."""

    def __init__(
        self,
        actions: Sequence[Action],
        regs: Sequence[Registered],
        removed: Sequence[ActionOutcome],
        ctx: ExecutionContext,
        settings: EngineSettings,
    ) -> None:
        self.actions, self.regs, self.removed = actions, regs, removed
        self.settings = settings
        self.deps = dependencies(actions)
        self.results: dict[int, ActionOutcome] = {}
        self.results_lock = threading.Lock()  # executors read results through closing_due
        # One context for the whole plan: executors share per-plan state keyed by it.
        view = attrs.evolve(ctx.plan, closing_due=self.closing_due, status_of=self.status_of)
        self.ctx = attrs.evolve(ctx, plan=view)
        self.stopped = threading.Event()  # set by the first failure

    def _index(self, action: Action) -> int | None:
        return next((i for i, planned in enumerate(self.actions) if planned is action), None)

    def closing_due(self, action: Action) -> bool:
        index = self._index(action)
        with self.results_lock:
            return index is not None and clean_but(index, self.actions, dict(self.results))

    def status_of(self, action: Action) -> Status | None:
        index = self._index(action)
        with self.results_lock:
            outcome = self.results.get(index) if index is not None else None
        return outcome.status if outcome is not None else None

    def record(self, index: int, outcome: ActionOutcome) -> None:
        with self.results_lock:
            self.results[index] = outcome

    def settle(self, index: int) -> ActionOutcome | None:
        """An outcome decided without running the action, or None when it may start."""
        gate = blocked(index, self.actions, self.results, self.removed, self.settings.on_failure)
        if gate is None and self.settings.inform and held_for_approval(self.actions[index]):
            gate = Status.HELD_FOR_APPROVAL, "inform mode: waiting for a person to approve it"
        if gate is None:
            return None
        status, reason = gate
        return ActionOutcome(
            self.actions[index],
            status,
            executor=self.regs[index].item.name,
            reason=reason,
            error=reason if status == Status.NOT_RUN else None,
            investigation=self.ctx.investigation,
        )

    def start(self, index: int, deadline: Deadline) -> ActionOutcome:
        """In a worker: a queued action re-checks the error policy just before it starts."""
        if self.stopped.is_set() and self.settings.on_failure == OnFailure.STOP:
            reason = "not started: an earlier action failed and on_failure is stop"
            outcome = ActionOutcome(self.actions[index], Status.NOT_RUN, error=reason)
            outcome.executor, outcome.investigation = (
                self.regs[index].item.name,
                self.ctx.investigation,
            )
            return outcome
        action, reg = self.actions[index], self.regs[index]
        outcome = run_action(
            action, reg, self.ctx, self.settings.retry, deadline, self.settings.fence
        )
        if outcome.status == Status.FAILED:
            self.stopped.set()
        return outcome

    def warm_up(self, pool: cf.ThreadPoolExecutor) -> None:
        """Start every executor's read-only warm-up; a failure only costs the check a read."""
        for action, reg in zip(self.actions, self.regs, strict=True):
            warm = reg.item.warm_up
            if warm is not None:
                pool.submit(_quietly, warm, action, self.ctx)

    def run(self, deadline: Deadline) -> list[ActionOutcome]:
        running: dict[cf.Future[ActionOutcome], int] = {}
        workers = self.settings.workers
        with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cad-act") as pool:
            self.warm_up(pool)
            while len(self.results) < len(self.actions):
                for index in range(len(self.actions)):
                    waiting = index in self.results or index in running.values()
                    if waiting or not self.deps[index] <= self.results.keys():
                        continue
                    settled = self.settle(index)
                    if settled is not None:
                        self.record(index, settled)
                        continue
                    future = pool.submit(self.start, index, deadline)
                    running[future] = index
                if running:
                    done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        self.record(running.pop(future), future.result())
        return [self.results[i] for i in range(len(self.actions))]


def _quietly(
    warm: Callable[[Action, ExecutionContext], object], action: Action, ctx: ExecutionContext
) -> None:
    try:
        warm(action, ctx)
    except Exception as error:  # the idempotency check reads again and reports properly
        ctx.log.debug("warming up for %s failed: %s", action.type_id, one_line(error))


def _rejected(actions: Sequence[Action], why: str, ctx: ExecutionContext) -> list[ActionOutcome]:
    return [
        ActionOutcome(
            a, Status.NOT_RUN, error=f"plan rejected: {why}", investigation=ctx.investigation
        )
        for a in actions
    ]


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
    try:
        check_requires(actions)
    except ActionValidationError as error:
        return _finish(_rejected(actions, one_line(error), ctx), ctx, metrics, actions)
    rewritten = apply_policies(actions, ctx)
    planned = rewritten.actions
    ctx = attrs.evolve(ctx, plan=PlanView(planned), executor_named=partial(_named, registry))
    try:
        validate(planned, registry, settings.selection)
        regs = resolve(planned, registry, settings.selection)
    except (ActionValidationError, BadInputError) as error:
        return _finish(
            rewritten.outcomes + _rejected(planned, one_line(error), ctx), ctx, metrics, actions
        )
    if ctx.dry_run:
        # The preview of a clean run: every other action counts as succeeded.
        ctx = attrs.evolve(ctx, plan=attrs.evolve(ctx.plan, status_of=_assume_succeeded))
        outcomes = [
            _dry_run(a, r, ctx, settings, deadline) for a, r in zip(planned, regs, strict=True)
        ]
        return _finish(rewritten.outcomes + outcomes, ctx, metrics, actions)
    missing = missing_settings([r.item for r in regs])
    if missing:
        why = f"required settings are not set: {', '.join(missing)}"
        return _finish(rewritten.outcomes + _rejected(planned, why, ctx), ctx, metrics, actions)
    outcomes = _Scheduler(planned, regs, rewritten.outcomes, ctx, settings).run(deadline)
    return _finish(rewritten.outcomes + outcomes, ctx, metrics, actions)


def _named(registry: Registry, name: str, type_id: str) -> ActionExecutor:
    """For ``ctx.delegate``: the executor ``name`` among those that claim ``type_id``."""
    for reg in registry.keyed(EXECUTORS).get(type_id, []):
        if reg.item.name == name:
            executor: ActionExecutor = reg.item
            return executor
    raise PermanentError(f"no installed executor named {name!r} claims action type {type_id!r}")


def _assume_succeeded(_action: Action) -> Status:
    return Status.SUCCEEDED


def _in_plan_order(outcomes: list[ActionOutcome], plan: Sequence[Action]) -> list[ActionOutcome]:
    """Outcomes where their actions stood in the plan as the investigation returned it
    (policies report removed actions first); actions a policy added come last."""
    position = {id(action): index for index, action in enumerate(plan)}
    return sorted(outcomes, key=lambda outcome: position.get(id(outcome.action), len(plan)))


def _finish(
    outcomes: list[ActionOutcome],
    ctx: ExecutionContext,
    metrics: Dispatcher,
    plan: Sequence[Action] = (),
) -> list[ActionOutcome]:
    outcomes = _in_plan_order(outcomes, plan)
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
