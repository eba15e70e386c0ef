"""One run's machinery: investigations with retries, plans through the engine, escalation.

The flows that use it (incident and manual mode) live in :mod:`cad_core.run.chains`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from cad_core import logcontext
from cad_core.config.routes import ChainEntry, RoutingConfig
from cad_core.errors import ActionValidationError, CadError, one_line, retryable
from cad_core.plan.actions import Action, EscalateIncident, IncidentNote
from cad_core.plan.engine import EngineSettings, execute_plan
from cad_core.plan.engine.execute import validate as validate_plan
from cad_core.plan.engine.gates import OnFailure
from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.plan.engine.retry import Deadline
from cad_core.plan.notes import Notes
from cad_core.plugins.registrations import Investigation, InvestigationResult
from cad_core.plugins.registry import Registry
from cad_core.run.context import ExecutionContext, InvestigationContext, Resources
from cad_core.run.locks import Fence, LockError, RunLocks, lock_keys
from cad_core.run.metrics import ALERT_FILTERED, INVESTIGATION, Dispatcher
from cad_core.run.prefetch import prefetch_after_first, prefetch_chain, prefetch_investigation
from cad_core.run.record import InvestigationRecord, InvestigationStatus, RunRecord
from cad_core.settings import RunSettings

log = logging.getLogger("cad.runner")
TITLE_PREFIX = "[CAD Investigated]"
FAILED_STATUSES = (Status.FAILED, Status.NOT_RUN)


class ChainFailed(CadError):
    """The chain cannot go on; the incident is escalated with the notes so far."""


class Run:
    """State of one run: resources, notes, metrics, the record being built."""

    def __init__(
        self,
        registry: Registry,
        config: RoutingConfig,
        settings: RunSettings,
        record: RunRecord,
        resources: Resources,
    ) -> None:
        self.registry, self.config, self.settings = registry, config, settings
        self.record, self.resources = record, resources
        self.metrics = Dispatcher(registry.metrics_sinks())
        self.deadline = Deadline(settings.retry.deadline)
        self.engine = EngineSettings(
            retry=settings.retry, workers=settings.workers, selection=config.executors
        )
        self.shared: dict[str, Any] = {}
        self.notebooks: list[Notes] = []
        self.posted: set[int] = set()  # ids of notebooks already on the incident
        # Actions that close a chain (the incident title): they ride with the chain's last
        # plan, or with CAD's escalation when the chain fails, so they cost no extra round.
        self.closing: list[Action] = []
        self.closing_planned = False
        self.sleep: Callable[[float], None] = time.sleep
        # Dry-run writes nothing, so it takes no lock (its provider settings are not checked).
        self.locks = RunLocks.from_env(registry, check=not record.dry_run)
        self.lock_failure: LockError | None = None

    def use_policy(self, on_failure: str, inform: bool) -> None:
        """The error policy and inform mode of the alert entry (or the command line)."""
        policy = OnFailure(on_failure)
        self.engine = attrs.evolve(self.engine, on_failure=policy, inform=inform)
        self.record.on_failure, self.record.inform = str(on_failure), inform

    # -- execution -------------------------------------------------------------

    def execute(
        self,
        actions: Sequence[Action],
        notes: Notes,
        investigation: str,
        *,
        engine: EngineSettings | None = None,
        deadline: Deadline | None = None,
    ) -> list[ActionOutcome]:
        ctx = ExecutionContext(
            cluster_id=self.resources.cluster_id,
            resources=self.resources.scoped(investigation),
            notes=notes,
            alert=self.record.alert,
            investigation=investigation,
            dry_run=self.record.dry_run,
            shared=self.shared,
            log=logging.getLogger(f"cad.executor.{investigation or 'run'}"),
        )
        try:
            with self.hold_locks() as fence:
                settings = engine or self.engine
                if fence:  # every write checks first that the locks are still ours
                    settings = attrs.evolve(settings, fence=fence.check)
                outcomes = execute_plan(
                    actions,
                    ctx,
                    self.registry,
                    self.metrics,
                    settings,
                    deadline or self.deadline,
                )
        except LockError as error:
            return self.without_lock(actions, notes, investigation, error, engine, deadline)
        self.record.actions.extend(outcomes)
        for outcome in outcomes:
            detail = outcome.error or outcome.reason
            log.info("%s: %s%s", outcome.type, outcome.status, f" ({detail})" if detail else "")
            if _posted_run_notes(outcome):
                self.posted.add(id(notes))
        return outcomes

    def hold_locks(self) -> contextlib.AbstractContextManager[Fence | None]:
        """This incident's and cluster's locks, so no other run writes between check and write."""
        if self.record.dry_run or self.lock_failure is not None:
            return contextlib.nullcontext()
        alert = self.record.alert
        return self.locks.hold(lock_keys(alert.id if alert else None, self.resources.cluster_id))

    def without_lock(
        self,
        actions: Sequence[Action],
        notes: Notes,
        investigation: str,
        error: LockError,
        engine: EngineSettings | None,
        deadline: Deadline | None,
    ) -> list[ActionOutcome]:
        """An investigation's plan is not run; the runner's own escalation and title then go
        ahead unlocked, because a human must hear about it even if the other run is stuck."""
        self.lock_failure = error
        if not investigation:
            log.warning("%s; going ahead without the lock", one_line(error))
            return self.execute(actions, notes, investigation, engine=engine, deadline=deadline)
        self.record.actions.extend(
            ActionOutcome(a, Status.NOT_RUN, error=one_line(error), investigation=investigation)
            for a in actions
        )
        raise ChainFailed(one_line(error)) from error

    def escalate(
        self, note: str, reason: str, notes: Notes | None = None, then: Sequence[Action] = ()
    ) -> bool:
        """Post ``note`` and escalate, on a budget of its own; True when it took effect.

        The investigation's retries cannot spend this budget, and the run's error policy and
        inform mode do not apply: a failed run must always reach a human.
        """
        engine = attrs.evolve(self.engine, on_failure=OnFailure.CONTINUE, inform=False)
        plan = [IncidentNote(content=note), EscalateIncident(reason=reason), *then]
        budget = Deadline(self.settings.escalation_deadline)
        outcomes = self.execute(plan, notes or Notes("cad"), "", engine=engine, deadline=budget)
        escalation = next(o for o in outcomes if isinstance(o.action, EscalateIncident))
        if escalation.status in (Status.FAILED, Status.NOT_RUN):
            log.error("CAD could not escalate the incident: %s", escalation.error)
            return False
        return True

    # -- investigations --------------------------------------------------------

    def investigate(self, entry: ChainEntry, rec: InvestigationRecord) -> InvestigationResult:
        """Run the investigation, retrying transient failures; once it is over, its own
        resources (its remediation) close in the background, beside its plan or CAD's
        escalation, never between two attempts; those its plan's executors declare stay."""
        inv = self.registry.investigation(entry.name)
        result: InvestigationResult | None = None
        try:
            result = self._attempts(inv, rec)
            return result
        finally:
            keep = self._executor_resources(result.actions) if result is not None else ()
            self.resources.scoped(inv.name).close_scope(keep)

    def _executor_resources(self, actions: Sequence[Action]) -> set[str]:
        """The resources the plan's executors declare they ask for (``resources=``)."""
        names: set[str] = set()
        for action in actions:
            with contextlib.suppress(CadError):  # a plan checked already: none is unknown
                executor = self.registry.executor(action.type_id, self.engine.selection)
                names.update(executor.resources)
        return names

    def _attempts(self, inv: Investigation, rec: InvestigationRecord) -> InvestigationResult:
        self.notebooks.append(Notes(inv.name))
        delay = self.settings.investigation_delay
        while True:
            rec.attempts += 1
            # Fresh notes per attempt: a retried attempt must not repeat the failed one's lines.
            notes = self.notebooks[-1] = Notes(inv.name)
            try:
                with logcontext.work_scope(inv.name):
                    result = inv.run(self._context(inv.name, notes))
            except Exception as error:
                wait = min(delay, self.settings.investigation_delay_cap)
                self._give_up_unless_retryable(inv.name, error, rec, notes, wait)
                log.warning(
                    "investigation %s hit a transient problem (attempt %d of %d): %s; "
                    "retrying in %.1fs",
                    inv.name,
                    rec.attempts,
                    self.settings.investigation_attempts,
                    one_line(error),
                    wait,
                )
                self.sleep(wait)
                delay *= 2
                continue
            if not isinstance(result, InvestigationResult):
                raise ChainFailed(
                    f"investigation {inv.name} returned {type(result).__name__}, "
                    "not an InvestigationResult"
                )
            self._check_plan(inv.name, result, rec, notes)
            return result

    def _check_plan(
        self, name: str, result: InvestigationResult, rec: InvestigationRecord, notes: Notes
    ) -> None:
        """A plan is checked item by item where it crosses from the plugin into the core:
        anything that is not a valid action fails the investigation like any other failure
        (note, escalation, record), never the run."""
        try:
            validate_plan(result.actions, self.registry, self.engine.selection)
        except ActionValidationError as error:
            rec.notes = notes.lines
            raise ChainFailed(
                f"investigation {name} returned an invalid plan: {one_line(error)}"
            ) from None

    def _context(self, name: str, notes: Notes) -> InvestigationContext:
        return InvestigationContext(
            name=name,
            cluster_id=self.resources.cluster_id,
            resources=self.resources.scoped(name),
            notes=notes,
            alert=self.record.alert,
            params=self.resources.params,
            dry_run=self.record.dry_run,
            log=logging.getLogger(f"cad.investigation.{name}"),
            emit_metric=self.metrics.emit,
        )

    def _give_up_unless_retryable(
        self, name: str, error: Exception, rec: InvestigationRecord, notes: Notes, wait: float
    ) -> None:
        """Raise ChainFailed unless another attempt is allowed and fits the run's deadline."""
        why = ""
        if not retryable(error) or rec.attempts >= self.settings.investigation_attempts:
            why = f"failed after {rec.attempts} attempt(s)"
        elif wait >= self.deadline.remaining():
            why = f"gave up after {rec.attempts} attempt(s): the run's deadline is near"
        if why:
            rec.notes = notes.lines
            raise ChainFailed(f"investigation {name} {why}: {one_line(error)}") from error

    def run_entry(
        self, entry: ChainEntry, lookup: Callable[[str], str] | None, last: bool = False
    ) -> bool:
        """Run one chain entry; True when the chain must stop."""
        rec = InvestigationRecord(entry.name)
        self.record.investigations.append(rec)
        if lookup is not None and entry.when is not None:
            ok, why = evaluate_filter(entry.when, lookup)
            if not ok:
                rec.status, rec.filter = InvestigationStatus.FILTERED, why
                self.metrics.emit(ALERT_FILTERED, alert_type=entry.name)
                log.info("skipping %s: its filter rejected the alert (%s)", entry.name, why)
                return False
        prefetch_investigation(self.resources, self.registry, entry.name)  # if its filter held it
        started = time.monotonic()
        try:
            result = self.investigate(entry, rec)
        except ChainFailed as error:
            rec.status, rec.error = InvestigationStatus.FAILED, one_line(error)
            raise
        notes = self.notebooks[-1]
        notes.seal()
        plan = self._with_closing(result.actions, last or result.stop_chain is not None)
        outcomes = self._withdraw_deferred(self.execute(plan, notes, rec.name) if plan else [])
        rec.notes = notes.lines
        rec.status = _status_of(result)
        rec.stop_reason = result.stop_chain
        self.metrics.emit(
            INVESTIGATION,
            duration=time.monotonic() - started,
            investigation=rec.name,
            status=rec.status,
        )
        # A closing action (the title) failing does not make the investigation's plan fail.
        failed = [
            o for o in outcomes if o.status in FAILED_STATUSES and o.action not in self.closing
        ]
        if failed:
            rec.status = InvestigationStatus.FAILED
            rec.error = "; ".join(f"{o.type}: {o.error}" for o in failed)
            raise ChainFailed(f"{len(failed)} action(s) of {rec.name} failed: {rec.error}")
        return result.stop_chain is not None

    def _with_closing(self, actions: Sequence[Action], closes_chain: bool) -> list[Action]:
        """The plan, plus the chain's closing actions when this plan is the chain's last."""
        if not (self.closing and closes_chain and not self.engine.inform):
            return list(actions)
        self.closing_planned = True
        return [*actions, *self.closing]

    def _withdraw_deferred(self, outcomes: list[ActionOutcome]) -> list[ActionOutcome]:
        """Closing actions the plan left out (it did not go cleanly, or was refused) ride with CAD's
        escalation or run after the chain instead; they leave no outcome here, so the
        record lists each closing action once."""
        deferred = [o for o in outcomes if o.action in self.closing and o.status in _LEFT_OUT]
        if not deferred:
            return outcomes
        self.closing_planned = False
        self.record.actions[:] = [o for o in self.record.actions if o not in deferred]
        return [o for o in outcomes if o not in deferred]

    def run_chain(self, entries: Sequence[ChainEntry], lookup: Callable[[str], str] | None) -> None:
        # Reads the chain's investigations declare start now, side by side (docs/resources.md).
        prefetch_chain(self.resources, self.registry, entries)
        for index, entry in enumerate(entries):
            if self.run_entry(entry, lookup, last=index == len(entries) - 1):
                log.info("%s stopped the chain", entry.name)
                return
            if index == 0:  # the first entry (precheck) passed: reads touching the cluster start
                prefetch_after_first(self.resources, self.registry, entries)

    def failure_note(self, error: BaseException) -> str:
        """What failed, plus the findings not yet on the incident (never posted twice)."""
        unposted = [n for n in self.notebooks if n and id(n) not in self.posted]
        body = "".join(n.text() + "\n" for n in unposted)
        line = (
            f"🚨 CAD could not finish its automated investigation ({one_line(error)}). "
            "Please take over from here; the CAD maintainers can see this failure too. 🚨"
        )
        if not any(self.notebooks):
            line = (
                "🚨 CAD could not complete its automated investigation before it gathered "
                f"any findings ({one_line(error)}). Please investigate this alert by hand. 🚨"
            )
        return body + line


_LEFT_OUT = (Status.DROPPED_BY_POLICY, Status.NOT_RUN)


def _posted_run_notes(outcome: ActionOutcome) -> bool:
    action = outcome.action
    return isinstance(action, IncidentNote) and action.content is None and outcome.status.in_effect


def _status_of(result: InvestigationResult) -> InvestigationStatus:
    if result.stop_chain:
        return InvestigationStatus.STOPPED
    return InvestigationStatus.SUCCEEDED if result.actions else InvestigationStatus.NO_FINDINGS


def evaluate_filter(node: Mapping[str, Any], lookup: Callable[[str], str]) -> tuple[bool, str]:
    import cad_core.config.filters as filters  # only routes with a `when` get here

    try:
        return filters.evaluate(node, lookup)
    except Exception as error:
        raise ChainFailed(f"evaluating a 'when' filter failed: {one_line(error)}") from error
