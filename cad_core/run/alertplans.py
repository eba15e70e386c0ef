"""Plans for every alert (``cad_alert_plans``): made right after routing, run by the engine.

A plugin plans something every alert needs, matched by a chain or not (cad-pagerduty
moves the incident to its organisation's escalation policy). The actions go through the
executor engine like any plan, so dry-run, idempotency, retries, metrics and the run
record cover them. The alert entry's error policy and inform mode are not chosen yet:
these plans run with ``continue`` and the command line's inform mode, and a plan that
fails never stops the investigation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import attrs

from cad_core.errors import BadInputError, one_line
from cad_core.plan.notes import Notes
from cad_core.plugins.registrations import AlertPlan, AlertPlanResult

if TYPE_CHECKING:
    from cad_core.plugins.registry import Registry
    from cad_core.run.runner import Run

HOOK = "cad_alert_plans"
log = logging.getLogger("cad.alertplans")


def alert_plans(registry: Registry) -> list[AlertPlan]:
    """Every installed alert plan, by name."""
    return [reg.item for _name, reg in sorted(registry.unique(HOOK).items())]


def check_alert_plans(registry: Registry) -> None:
    """Start-up check of every alert plan's settings: one BadInputError (exit 2)."""
    for plan in alert_plans(registry):
        if plan.check is None:
            continue
        try:
            plan.check()
        except BadInputError:
            raise
        except Exception as error:  # a check that breaks still stops the start
            raise BadInputError(
                f"alert plan {plan.name}: check failed: {one_line(error)}"
            ) from None


def run_alert_plans(run: Run) -> None:
    """Make and carry out every installed alert plan for the run's alert (incident mode)."""
    if run.record.alert is None:
        return
    for plan in alert_plans(run.registry):
        result = _made(plan, run)
        if result is None:
            continue
        if result.route:
            run.record.route.append(result.route)
        if result.actions:
            _carry_out(run, result)


def _made(plan: AlertPlan, run: Run) -> AlertPlanResult | None:
    try:
        result = plan.plan(run.resources)
        if result is not None and not isinstance(result, AlertPlanResult):
            raise TypeError(f"it returned {type(result).__name__}, not an AlertPlanResult")
    except Exception as error:  # a courtesy to the alert: it must not stop the investigation
        log.warning("alert plan %s skipped: %s", plan.name, one_line(error))
        run.record.route.append(f"alert plan {plan.name} skipped: {one_line(error)}")
        return None
    return result


def _carry_out(run: Run, result: AlertPlanResult) -> None:
    from cad_core.plan.engine.gates import OnFailure
    from cad_core.plan.engine.report import Status

    engine = attrs.evolve(run.engine, on_failure=OnFailure.CONTINUE, inform=run.record.inform)
    notes = Notes("cad")
    outcomes = run.execute(result.actions, notes, "", engine=engine)
    # Held in inform mode or previewed in a dry run is not a failure: no fallback.
    waiting = (Status.DRY_RUN, Status.HELD_FOR_APPROVAL)
    failed = [o for o in outcomes if not (o.status.in_effect or o.status in waiting)]
    if failed and result.if_failed is not None:
        reason = failed[0].error or failed[0].reason or str(failed[0].status)
        run.execute(list(result.if_failed(reason)), notes, "", engine=engine)
