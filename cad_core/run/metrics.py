"""Metric events and the built-in sinks (log, Prometheus Pushgateway).

Events are plain data so that any sink can interpret them; the Prometheus sink maps them
onto the upstream counter names, and a failing sink never fails a run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import attrs

log = logging.getLogger("cad.metrics")

# Event kinds the core emits.
ALERT_RECEIVED = "alert_received"  # labels: alert_type
ALERT_FILTERED = "alert_filtered"  # labels: alert_type
ACTION = "action"  # labels: type, executor, status, investigation, context
MANUAL_STARTED = "manual_started"  # labels: alert_type, dry_run
MANUAL_COMPLETED = "manual_completed"  # labels: alert_type, status, dry_run
INVESTIGATION = "investigation"  # labels: investigation, status
# Emitted by investigations (``ctx.metric``): a service log prepared for a person to send.
SERVICELOG_PREPARED = "servicelog_prepared"  # labels: alert_type
ALERT_READ_FAILED = "alert_read_failed"  # labels: retry ("true": exit 75, run again)


@attrs.frozen
class MetricEvent:
    """One thing that happened: a kind, string labels, and an optional duration."""

    kind: str
    labels: Mapping[str, str] = attrs.field(factory=dict)
    duration: float | None = None


def log_sink_record(event: MetricEvent) -> None:
    extra = f" in {event.duration:.3f}s" if event.duration is not None else ""
    labels = " ".join(f"{k}={v}" for k, v in sorted(event.labels.items()))
    log.debug("metric %s %s%s", event.kind, labels, extra)


def _labels(event: MetricEvent, *names: str) -> dict[str, str]:
    return {name: str(event.labels.get(name, "")) for name in names}


class PrometheusSink:
    """Counts events in a private registry and pushes them once, at flush.

    Pushes with "add" semantics (HTTP POST) to ``CAD_PROMETHEUS_PUSHGATEWAY``, job ``cad``,
    as the upstream does. Unset: nothing is counted, no registry is built and
    ``prometheus_client`` is never imported (the run logs once that nothing was pushed).
    """

    def __init__(self, gateway: str | None) -> None:
        self.gateway = gateway
        self._metrics: dict[str, Any] | None = None
        self._registry: Any = None
        self._dropped = False  # events came while no gateway was set: flush says so

    def _ensure(self) -> dict[str, Any]:
        if self._metrics is None:
            # Imported lazily: prometheus_client is not needed for `cad --help`.
            from prometheus_client import CollectorRegistry, Counter, Histogram

            reg = CollectorRegistry()

            def counter(name: str, doc: str, labels: list[str]) -> Counter:
                return Counter(
                    name, doc, labels, namespace="cad", subsystem="investigate", registry=reg
                )

            self._registry = reg
            self._metrics = {
                "alerts": counter("alerts_total", "Alerts CAD started a chain for", ["alert_type"]),
                "filtered": counter(
                    "alerts_filtered_total", "Alerts or entries filtered out", ["alert_type"]
                ),
                "ls": counter(
                    "limitedsupport_set_total",
                    "Limited support reasons set",
                    ["alert_type", "ls_summary"],
                ),
                "sl": counter("servicelog_sent_total", "Service logs sent", ["alert_type"]),
                "sl_prepared": counter(
                    "servicelog_prepared_total",
                    "Investigations that prepared a service log in their notes",
                    ["alert_type"],
                ),
                "alert_read_failed": counter(
                    "alert_read_failures_total",
                    "Runs that could not read their alert (retry=true: exit 75)",
                    ["retry"],
                ),
                "manual_started": counter(
                    "manual_started_total", "Manual runs started", ["alert_type", "dry_run"]
                ),
                "manual_completed": counter(
                    "manual_completed_total",
                    "Manual runs completed",
                    ["alert_type", "status", "dry_run"],
                ),
                "actions": counter(
                    "actions_total", "Action outcomes by type and status", ["type", "status"]
                ),
                "duration": Histogram(
                    "action_duration_seconds",
                    "Time to carry out an action",
                    ["type", "status"],
                    namespace="cad",
                    subsystem="investigate",
                    registry=reg,
                ),
            }
        return self._metrics

    def record(self, event: MetricEvent) -> None:
        if not self.gateway:
            # Counting what can never be pushed would cost every run a registry and the
            # prometheus_client import for nothing.
            self._dropped = True
            return
        m = self._ensure()
        if event.kind == ALERT_RECEIVED:
            m["alerts"].labels(**_labels(event, "alert_type")).inc()
        elif event.kind == SERVICELOG_PREPARED:
            m["sl_prepared"].labels(**_labels(event, "alert_type")).inc()
        elif event.kind == ALERT_FILTERED:
            m["filtered"].labels(**_labels(event, "alert_type")).inc()
        elif event.kind == MANUAL_STARTED:
            m["manual_started"].labels(**_labels(event, "alert_type", "dry_run")).inc()
        elif event.kind == MANUAL_COMPLETED:
            m["manual_completed"].labels(**_labels(event, "alert_type", "status", "dry_run")).inc()
        elif event.kind == ACTION:
            self._record_action(m, event)
        elif event.kind == ALERT_READ_FAILED:
            m["alert_read_failed"].labels(**_labels(event, "retry")).inc()

    @staticmethod
    def _record_action(m: dict[str, Any], event: MetricEvent) -> None:
        kind, status = event.labels.get("type", ""), event.labels.get("status", "")
        m["actions"].labels(type=kind, status=status).inc()
        if event.duration is not None:
            m["duration"].labels(type=kind, status=status).observe(event.duration)
        if status != "succeeded":
            return  # a skipped duplicate was not sent, so it is not counted as sent
        alert_type = event.labels.get("investigation", "")
        if kind == "service_log":
            m["sl"].labels(alert_type=alert_type).inc()
        elif kind == "limited_support":
            # Upstream labels ls_summary with the action's context, not its summary.
            m["ls"].labels(alert_type=alert_type, ls_summary=event.labels.get("context", "")).inc()

    def flush(self) -> None:
        if not self.gateway:
            if self._dropped:
                self._dropped = False
                log.info("CAD_PROMETHEUS_PUSHGATEWAY is not set; metrics were not pushed")
            return
        if self._metrics is None:
            return
        from prometheus_client import pushadd_to_gateway

        registry, self._metrics, self._registry = self._registry, None, None
        # Counts restart after each push: with "add" semantics a long-lived process (the
        # interceptor, a test session) would otherwise push the same increments twice.
        pushadd_to_gateway(self.gateway, job="cad", registry=registry, timeout=10)
        log.info("pushed metrics to the Pushgateway at %s", self.gateway)


class Dispatcher:
    """Sends events to every sink; a sink that fails is logged and never fails the run."""

    def __init__(self, sinks: Mapping[str, Any]) -> None:
        self.sinks = dict(sinks)

    def emit(self, kind: str, duration: float | None = None, **labels: str) -> None:
        event = MetricEvent(kind, labels, duration)
        for name, sink in self.sinks.items():
            try:
                sink.record(event)
            except Exception as error:
                log.warning("metrics sink %s failed to record %s: %s", name, kind, error)

    def flush(self) -> None:
        for name, sink in self.sinks.items():
            try:
                sink.flush()
            except Exception as error:
                log.warning("metrics sink %s failed to flush: %s", name, error)
