"""Built-in plugin: the log and Prometheus metrics sinks, the core's own settings, and the
file and no-op lock providers."""

from __future__ import annotations

import os
from collections.abc import Iterator

from cad_core.hookspecs import hookimpl
from cad_core.registrations import LockProvider, MetricsSink, Setting


@hookimpl
def cad_metrics_sinks() -> Iterator[MetricsSink]:
    from cad_core.metrics import PrometheusSink, log_sink_record

    yield MetricsSink(name="log", record=log_sink_record)
    prometheus = PrometheusSink(os.environ.get("CAD_PROMETHEUS_PUSHGATEWAY"))
    yield MetricsSink(name="prometheus", record=prometheus.record, flush=prometheus.flush)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_core.checks import url_check

    yield Setting(
        name="CAD_PROMETHEUS_PUSHGATEWAY",
        description="Pushgateway URL of the prometheus metrics sink",
        check=url_check("http", "https"),
    )


@hookimpl
def cad_lock_providers() -> Iterator[LockProvider]:
    from cad_core.claims import file_claims
    from cad_core.locks import acquire_file_lock, acquire_nothing, check_file_locks

    yield LockProvider(
        name="file",
        acquire=acquire_file_lock,
        check=check_file_locks,
        claims=file_claims,
        description="flock on files in CAD_LOCK_DIR: serialises runs on one machine",
    )
    yield LockProvider(
        name="none",
        acquire=acquire_nothing,
        description="no locking: concurrent runs may write twice; only for measurements",
    )
