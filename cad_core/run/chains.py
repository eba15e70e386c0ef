"""The two flows of a run: incident mode (route an alert) and manual mode (one target)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from cad_core.config.routes import AlertRoute, ChainEntry
from cad_core.errors import one_line
from cad_core.plan.actions import IncidentTitle
from cad_core.plan.inform import held_outcomes, inform_note
from cad_core.plan.notes import Notes
from cad_core.plugins.registrations import FilterField
from cad_core.plugins.registry import Registry
from cad_core.run.alertplans import run_alert_plans
from cad_core.run.context import Alert, Resources
from cad_core.run.metrics import ALERT_FILTERED, ALERT_RECEIVED, MANUAL_COMPLETED, MANUAL_STARTED
from cad_core.run.record import InvestigationStatus
from cad_core.run.runner import TITLE_PREFIX, ChainFailed, Run, evaluate_filter

__all__ = [
    "filter_lookup",
    "manual_chain",
    "no_automation_note",
    "run_incident",
    "run_manual",
    "with_heads",
]
log = logging.getLogger("cad.runner")


def filter_lookup(
    resources: Resources,
    alert: Alert | None,
    alert_name: str,
    fields: Mapping[str, FilterField] | None = None,
) -> Callable[[str], str]:
    """Field values, each computed only when a filter reaches it (some cost API calls).

    The alert's own fields are the core's; every other field comes from a plugin's
    ``cad_filter_fields`` registration.
    """
    own: dict[str, Callable[[], object]] = {
        "AlertName": lambda: alert_name,
        "AlertTitle": lambda: alert.title if alert else "",
        "ServiceName": lambda: alert.service_name if alert else "",
    }
    for name, field in (fields or {}).items():
        own.setdefault(name, partial(field.value, resources))
    cache: dict[str, str] = {}

    def lookup(field: str) -> str:
        if field not in own:
            from cad_core.config.filters import FilterError  # only a `when` asks for fields

            raise FilterError(f"unknown filter field {field!r}")
        if field not in cache:
            cache[field] = _as_text(own[field]())
        return cache[field]

    return lookup


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def with_heads(chain: Sequence[ChainEntry], heads: Sequence[str]) -> list[ChainEntry]:
    """The chain heads first (those the chain does not already name), then the chain."""
    named = {entry.name for entry in chain}
    return [ChainEntry(h) for h in heads if h not in named] + list(chain)


RESOLVED_REASON = "the incident was already resolved when CAD started, so CAD did nothing"


def run_incident(alert: Alert, run: Run, experimental: bool) -> None:
    """Incident mode: route the alert, run its chain, escalate on failure, prefix the title."""
    # Not upstream, which investigates whatever arrives: a closed incident needs nothing,
    # and a service log about a problem already gone would mislead (docs/upstream.md).
    if alert.resolved:
        run.record.route = [RESOLVED_REASON]
        log.info("incident %s is already resolved: nothing to do", alert.id)
        return
    if alert.ignored:  # e.g. an acknowledgement: not what any chain is for
        run.record.route = [f"{alert.ignored}, so CAD did nothing"]
        log.warning("incident %s: %s: nothing to do", alert.id, alert.ignored)
        return
    route = run.config.match(alert.title, experimental)
    run.record.route = [
        f"{r.alert_title!r}: {why}" for r, why in run.config.explain(alert.title, experimental)
    ]
    run_alert_plans(run)  # every alert, matched or not (docs/architecture.md)
    if route is None:
        run.escalate(no_automation_note(alert), "CAD has no automation for this alert")
        return
    run.record.chain = route.name
    run.use_policy(route.on_failure, route.mode == "inform" or run.record.inform)
    run.metrics.emit(ALERT_RECEIVED, alert_type=route.name)
    lookup = filter_lookup(run.resources, alert, route.alert_title, run.registry.filter_fields())
    run.closing = [IncidentTitle(prefix=TITLE_PREFIX)]
    try:
        if route.when is not None and not _alert_filter_passes(route, lookup, run):
            return
        run.run_chain(with_heads(route.investigations, run.config.chain_heads), lookup)
        escalated = _hand_over_held_actions(run)
    except ChainFailed as error:
        escalated = _escalate_failure(
            run, error, "CAD's investigation failed; a human needs to look"
        )
    if not escalated:
        log.error("the incident title keeps no prefix: CAD could not hand the incident over")
    elif not run.closing_planned:  # e.g. the chain's last entry was filtered out
        last_notes = run.notebooks[-1] if run.notebooks else Notes("cad")
        run.execute(run.closing, last_notes, "")


def _escalate_failure(run: Run, error: ChainFailed, reason: str) -> bool:
    run.record.errors.append(one_line(error))
    notes = run.notebooks[-1] if run.notebooks else None
    return _escalate_closing(run, run.failure_note(error), reason, notes)


def _escalate_closing(run: Run, note: str, reason: str, notes: Notes | None = None) -> bool:
    """Escalate; the chain's closing actions (the title) ride along when they are still
    due, and take effect only if the escalation does."""
    due = not run.closing_planned
    run.closing_planned = True
    return run.escalate(note, reason, notes, then=run.closing if due else ())


def _hand_over_held_actions(run: Run) -> bool:
    """Inform mode: post the plan that was held back, and escalate. True unless that failed."""
    held = held_outcomes(run.record)
    if not held:
        return True
    note = inform_note(held, run.record)
    return _escalate_closing(run, note, "inform mode: a person decides whether to apply CAD's plan")


def _alert_filter_passes(route: AlertRoute, lookup: Callable[[str], str], run: Run) -> bool:
    ok, why = evaluate_filter(route.when or {}, lookup)
    if ok:
        return True
    run.metrics.emit(ALERT_FILTERED, alert_type=route.name)
    run.record.route.append(f"alert-level filter rejected the alert: {why}")
    note = (
        f"🤖 CAD matched this alert to {route.name!r}, but that entry's filter left it out "
        f"({why}), so no automated investigation ran. Please take a look by hand."
    )
    run.escalate(note, f"filtered out by the alert-level rule of {route.name!r}")
    return False


def no_automation_note(alert: Alert) -> str:
    return (
        f"🤖 CAD has no automated investigation for alerts like {alert.title!r} yet, so it "
        "is handing this incident straight to SRE. 🤖"
    )


def manual_chain(target: str, registry: Registry, heads: Sequence[str] = ()) -> list[ChainEntry]:
    """The routing config's chain heads (when installed), then the target."""
    names = {inv.name for inv in registry.investigations()}
    if target in heads:  # a head runs its predecessors only
        heads = heads[: list(heads).index(target)]
    return with_heads([ChainEntry(target)], [h for h in heads if h in names])


def run_manual(target: str, run: Run, with_filtering: bool, heads: bool = True) -> None:
    """Manual mode: the chain heads, then the target; incident actions are dropped by policy."""
    dry = str(run.record.dry_run).lower()
    run.metrics.emit(MANUAL_STARTED, alert_type=target, dry_run=dry)
    chain = manual_chain(target, run.registry, run.config.chain_heads if heads else ())
    run.record.chain = " -> ".join(entry.name for entry in chain)  # what really runs
    run.use_policy(run.engine.on_failure, run.record.inform)
    fields = run.registry.filter_fields()
    lookup = filter_lookup(run.resources, None, target, fields) if with_filtering else None
    status = "error"
    try:
        run.run_chain(chain, lookup)
        status = _manual_status({i.status for i in run.record.investigations})
    except ChainFailed as error:
        _escalate_failure(run, error, "CAD's investigation failed")
    finally:
        run.metrics.emit(MANUAL_COMPLETED, alert_type=target, status=status, dry_run=dry)


def _manual_status(statuses: set[InvestigationStatus]) -> str:
    for status in (InvestigationStatus.STOPPED, InvestigationStatus.SUCCEEDED):
        if status in statuses:
            return str(status)
    return str(InvestigationStatus.NO_FINDINGS)
