"""Built-in plugin: metrics sinks, the core's own settings, the file and no-op locks.

The sinks are the log and the Prometheus Pushgateway."""

from __future__ import annotations

import os
from collections.abc import Iterator

from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import LockProvider, MetricsSink, Setting


@hookimpl
def cad_metrics_sinks() -> Iterator[MetricsSink]:
    from cad_core.run.metrics import PrometheusSink, log_sink_record

    yield MetricsSink(name="log", record=log_sink_record)
    prometheus = PrometheusSink(os.environ.get("CAD_PROMETHEUS_PUSHGATEWAY"))
    yield MetricsSink(name="prometheus", record=prometheus.record, flush=prometheus.flush)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_core.logs import LOG_FORMATS
    from cad_core.plan.planword import KEY_PURPOSE, KEY_SETTING, TTL_SETTING, check_key, check_ttl
    from cad_core.plugins.checks import choice_check, url_check

    yield Setting(
        name="CAD_PROMETHEUS_PUSHGATEWAY",
        description="Pushgateway URL of the prometheus metrics sink",
        check=url_check("http", "https"),
    )
    yield Setting(
        name=KEY_SETTING,
        description=f"{KEY_PURPOSE} (comma-separated: the first signs, any verifies)",
        secret=True,
        multiple=True,
        check=check_key,
    )
    yield Setting(
        name=TTL_SETTING,
        description="how long a held plan can be applied (seconds)",
        check=check_ttl,
        default="86400",
    )
    yield Setting(
        name="CAD_LOG_FORMAT",
        description="log lines on stderr: text (for people) or json (one object a line)",
        check=choice_check(*LOG_FORMATS),
        default="text",
    )


@hookimpl
def cad_lock_providers() -> Iterator[LockProvider]:
    from cad_core.run.claims import file_claims
    from cad_core.run.locks import acquire_file_lock, acquire_nothing, check_file_locks

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
