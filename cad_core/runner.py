"""From an alert (or a manual request) to investigations, plans and executed actions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cad_core import filters
from cad_core.actions import Action, EscalateIncident, IncidentNote, IncidentTitle
from cad_core.config import AlertRoute, ChainEntry, RoutingConfig
from cad_core.context import Alert, ExecutionContext, InvestigationContext, Resources
from cad_core.engine import EngineSettings, execute_plan
from cad_core.engine.report import ActionOutcome, Status
from cad_core.engine.retry import TRANSIENT, Deadline
from cad_core.errors import CadError, InfrastructureError, ResourceError, one_line
from cad_core.metrics import (
    ALERT_FILTERED,
    ALERT_RECEIVED,
    INVESTIGATION,
    MANUAL_COMPLETED,
    MANUAL_STARTED,
    Dispatcher,
)
from cad_core.notes import Notes
from cad_core.plugins import Registry
from cad_core.record import InvestigationRecord, RunRecord
from cad_core.registrations import InvestigationResult
from cad_core.settings import RunSettings

log = logging.getLogger("cad.runner")
TITLE_PREFIX = "[CAD Investigated]"


class ChainFailed(CadError):
    """The chain cannot go on; the incident is escalated with the notes so far."""


def retryable(error: BaseException) -> bool:
    """Infrastructure errors, and resources that failed for a transient reason."""
    if isinstance(error, (InfrastructureError, *TRANSIENT)):
        return True
    return isinstance(error, ResourceError) and isinstance(error.cause, TRANSIENT)


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
        self.metrics = Dispatcher(
            {k: r.item for k, r in registry.unique("cad_metrics_sinks").items()}
        )
        self.deadline = Deadline(settings.retry.deadline)
        self.engine = EngineSettings(
            retry=settings.retry, workers=settings.workers, selection=config.executors
        )
        self.shared: dict[str, Any] = {}
        self.notebooks: list[Notes] = []
        self.sleep: Callable[[float], None] = time.sleep

    # -- execution -------------------------------------------------------------

    def execute(
        self, actions: Sequence[Action], notes: Notes, investigation: str
    ) -> list[ActionOutcome]:
        ctx = ExecutionContext(
            cluster_id=self.resources.cluster_id,
            resources=self.resources,
            notes=notes,
            alert=self.record.alert,
            investigation=investigation,
            dry_run=self.record.dry_run,
            shared=self.shared,
            log=logging.getLogger(f"cad.executor.{investigation or 'run'}"),
        )
        outcomes = execute_plan(
            actions, ctx, self.registry, self.metrics, self.engine, self.deadline
        )
        self.record.actions.extend(outcomes)
        for outcome in outcomes:
            log.info(
                "%s: %s%s",
                outcome.type,
                outcome.status,
                f" ({outcome.error or outcome.reason})" if outcome.error or outcome.reason else "",
            )
        return outcomes

    def escalate(self, note: str, reason: str, notes: Notes | None = None) -> None:
        self.execute(
            [IncidentNote(content=note), EscalateIncident(reason=reason)], notes or Notes("cad"), ""
        )

    # -- investigations --------------------------------------------------------

    def investigate(self, entry: ChainEntry, rec: InvestigationRecord) -> InvestigationResult:
        inv = self.registry.investigation(entry.name)
        self.notebooks.append(Notes(inv.name))
        self.resources.investigation = inv.name
        delay = self.settings.investigation_delay
        while True:
            rec.attempts += 1
            # Fresh notes per attempt: a retried attempt must not repeat the failed one's lines.
            notes = self.notebooks[-1] = Notes(inv.name)
            ctx = InvestigationContext(
                name=inv.name,
                cluster_id=self.resources.cluster_id,
                resources=self.resources,
                notes=notes,
                alert=self.record.alert,
                params=self.resources.params,
                dry_run=self.record.dry_run,
                log=logging.getLogger(f"cad.investigation.{inv.name}"),
            )
            try:
                result = inv.run(ctx)
            except Exception as error:
                if not retryable(error) or rec.attempts >= self.settings.investigation_attempts:
                    rec.notes = notes.lines
                    raise ChainFailed(
                        f"investigation {inv.name} failed after {rec.attempts} "
                        f"attempt(s): {one_line(error)}"
                    ) from error
                wait = min(delay, self.settings.investigation_delay_cap, self.deadline.remaining())
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
            return result

    def run_entry(self, entry: ChainEntry, lookup: Callable[[str], str] | None) -> bool:
        """Run one chain entry; True when the chain must stop."""
        rec = InvestigationRecord(entry.name)
        self.record.investigations.append(rec)
        if lookup is not None and entry.when is not None:
            ok, why = evaluate_filter(entry.when, lookup)
            if not ok:
                rec.status, rec.filter = "filtered", why
                self.metrics.emit(ALERT_FILTERED, alert_type=entry.name)
                log.info("skipping %s: its filter rejected the alert (%s)", entry.name, why)
                return False
        started = time.monotonic()
        try:
            result = self.investigate(entry, rec)
        except ChainFailed as error:
            rec.status, rec.error = "failed", one_line(error)
            raise
        notes = self.notebooks[-1]
        notes.seal()
        outcomes = self.execute(result.actions, notes, rec.name) if result.actions else []
        rec.notes = notes.lines
        rec.status = (
            "stopped" if result.stop_chain else ("succeeded" if result.actions else "no_findings")
        )
        rec.stop_reason = result.stop_chain
        self.metrics.emit(
            INVESTIGATION,
            duration=time.monotonic() - started,
            investigation=rec.name,
            status=rec.status,
        )
        failed = [o for o in outcomes if o.status in (Status.FAILED, Status.NOT_RUN)]
        if failed:
            rec.status, rec.error = "failed", "; ".join(f"{o.type}: {o.error}" for o in failed)
            raise ChainFailed(f"{len(failed)} action(s) of {rec.name} failed: {rec.error}")
        return result.stop_chain is not None

    def run_chain(self, entries: Sequence[ChainEntry], lookup: Callable[[str], str] | None) -> None:
        for entry in entries:
            if self.run_entry(entry, lookup):
                log.info("%s stopped the chain", entry.name)
                return

    def failure_note(self, error: BaseException) -> str:
        body = "".join(n.text() + "\n" for n in self.notebooks if n)
        line = (
            f"🚨 CAD could not finish its automated investigation ({one_line(error)}). "
            "Please take over from here; the CAD maintainers can see this failure too. 🚨"
        )
        if not body:
            line = (
                "🚨 CAD could not complete its automated investigation before it gathered "
                f"any findings ({one_line(error)}). Please investigate this alert by hand. 🚨"
            )
        return body + line


def evaluate_filter(node: Mapping[str, Any], lookup: Callable[[str], str]) -> tuple[bool, str]:
    try:
        return filters.evaluate(node, lookup)
    except Exception as error:
        raise ChainFailed(f"evaluating a 'when' filter failed: {one_line(error)}") from error


def filter_lookup(
    resources: Resources, alert: Alert | None, alert_name: str
) -> Callable[[str], str]:
    """Field values fetched only when a filter reaches them (org and owner cost calls)."""

    def cluster(*path: str) -> str:
        value: Any = resources.get("cluster")
        for key in path:
            value = value.get(key, {}) if isinstance(value, Mapping) else {}
        return (
            str(value).lower()
            if isinstance(value, bool)
            else (value if isinstance(value, str) else "")
        )

    fields: dict[str, Callable[[], str]] = {
        "ClusterID": lambda: cluster("id"),
        "ClusterName": lambda: cluster("name"),
        "ClusterState": lambda: cluster("state"),
        "CloudProvider": lambda: cluster("cloud_provider", "id"),
        "HCP": lambda: cluster("hypershift", "enabled") or "false",
        "OrganizationID": lambda: str(resources.get("organization_id") or ""),
        "OwnerID": lambda: str((resources.get("owner") or {}).get("id", "")),
        "OwnerEmail": lambda: str((resources.get("owner") or {}).get("email", "")),
        "AlertName": lambda: alert_name,
        "AlertTitle": lambda: alert.title if alert else "",
        "ServiceName": lambda: alert.service_name if alert else "",
    }
    cache: dict[str, str] = {}

    def lookup(field: str) -> str:
        if field not in fields:
            raise filters.FilterError(f"unknown filter field {field!r}")
        if field not in cache:
            cache[field] = fields[field]()
        return cache[field]

    return lookup


def run_incident(alert: Alert, run: Run, experimental: bool) -> None:
    """Incident mode: route the alert, run its chain, escalate on failure, prefix the title."""
    route = run.config.match(alert.title, experimental)
    run.record.route = [
        f"{r.alert_title!r}: {why}" for r, why in run.config.explain(alert.title, experimental)
    ]
    if route is None:
        run.escalate(no_automation_note(alert), "CAD has no automation for this alert")
        return
    run.record.chain = route.name
    run.metrics.emit(ALERT_RECEIVED, alert_type=route.name)
    lookup = filter_lookup(run.resources, alert, route.alert_title)
    try:
        if route.when is not None and not _alert_filter_passes(route, lookup, run):
            return
        run.run_chain(route.investigations, lookup)
    except ChainFailed as error:
        run.record.errors.append(one_line(error))
        run.escalate(
            run.failure_note(error),
            "CAD's investigation failed; a human needs to look",
            run.notebooks[-1] if run.notebooks else None,
        )
    run.execute(
        [IncidentTitle(prefix=TITLE_PREFIX)],
        run.notebooks[-1] if run.notebooks else Notes("cad"),
        "",
    )


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


def manual_chain(target: str, registry: Registry) -> list[ChainEntry]:
    """precheck and ccam first, as upstream does, when they are installed."""
    names = {r.item.name for r in registry.registrations("cad_investigations")}
    chain = [name for name in ("precheck", "ccam") if name in names and name != target]
    if target == "precheck":
        chain = []
    return [ChainEntry(n) for n in [*chain, target]]


def run_manual(target: str, run: Run, with_filtering: bool) -> None:
    """Manual mode: precheck, ccam, then the target; incident actions are dropped by policy."""
    dry = str(run.record.dry_run).lower()
    run.metrics.emit(MANUAL_STARTED, alert_type=target, dry_run=dry)
    run.record.chain = target
    lookup = filter_lookup(run.resources, None, target) if with_filtering else None
    status = "error"
    try:
        run.run_chain(manual_chain(target, run.registry), lookup)
        statuses = {i.status for i in run.record.investigations}
        status = (
            "stopped"
            if "stopped" in statuses
            else ("success" if "succeeded" in statuses else "no_findings")
        )
    except ChainFailed as error:
        run.record.errors.append(one_line(error))
        run.escalate(
            run.failure_note(error),
            "CAD's investigation failed",
            run.notebooks[-1] if run.notebooks else None,
        )
    finally:
        run.metrics.emit(MANUAL_COMPLETED, alert_type=target, status=status, dry_run=dry)
