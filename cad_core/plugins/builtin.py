"""Built-in plugin: metrics sinks, the core's own settings, the file and no-op locks.

The sinks are the log and the Prometheus Pushgateway; the settings are the table in
``cad_core.coresettings``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import LockProvider, MetricsSink, Setting

if TYPE_CHECKING:
    from cad_core.run.claims import ClaimStore


@hookimpl
def cad_metrics_sinks() -> Iterator[MetricsSink]:
    from cad_core.run.metrics import PrometheusSink, log_sink_record
    from cad_core.settings import setting

    yield MetricsSink(name="log", record=log_sink_record)
    # Unchecked: a malformed URL is the start-up check's one line, not a broken plugin.
    gateway = setting("CAD_PROMETHEUS_PUSHGATEWAY", check=False)
    prometheus = PrometheusSink(gateway or None)
    yield MetricsSink(name="prometheus", record=prometheus.record, flush=prometheus.flush)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_core.coresettings import CORE_SETTINGS

    yield from CORE_SETTINGS


def _file_claims() -> ClaimStore | None:
    """The file provider's claims; only ``cad interceptor`` asks, so only it imports them."""
    from cad_core.run.claims import file_claims

    return file_claims()


@hookimpl
def cad_lock_providers() -> Iterator[LockProvider]:
    from cad_core.run.locks import acquire_file_lock, acquire_nothing, check_file_locks

    yield LockProvider(
        name="file",
        acquire=acquire_file_lock,
        check=check_file_locks,
        claims=_file_claims,
        description="flock on files in CAD_LOCK_DIR: serialises runs on one machine",
    )
    yield LockProvider(
        name="none",
        acquire=acquire_nothing,
        description="no locking: concurrent runs may write twice; only for measurements",
    )
