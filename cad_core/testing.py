"""Pytest helpers for plugin authors (loaded automatically as a pytest plugin).

Fixtures:

* ``cad_registry(*modules, entry_points=False)``: build an isolated registry from inline
  plugin modules (or objects with hook functions), installed as the process registry
  for the test and restored afterwards.
* ``recording_sink``: a metrics sink that keeps every event; register it with
  ``recording_sink.plugin``.
* ``execution_context(...)``: an :class:`~cad_core.context.ExecutionContext` over a
  registry's resources, for calling executors the way the engine does.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cad_core.context import Alert, ExecutionContext, Resources
from cad_core.hookspecs import hookimpl
from cad_core.metrics import MetricEvent
from cad_core.notes import Notes
from cad_core.plugins import Registry, build_registry, set_registry
from cad_core.registrations import MetricsSink


def inline_plugin(name: str, **hooks: Callable[[], Any]) -> types.ModuleType:
    """A plugin module from hook functions, e.g. ``inline_plugin("p", cad_investigations=f)``."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


class RecordingSink:
    """Keeps every metric event; ``flushed`` counts flushes."""

    def __init__(self) -> None:
        self.events: list[MetricEvent] = []
        self.flushed = 0

        def sinks() -> Iterator[MetricsSink]:
            yield MetricsSink(name="recording", record=self.events.append, flush=self._flush)

        self.plugin = inline_plugin("recording-sink", cad_metrics_sinks=sinks)

    def record(self, event: MetricEvent) -> None:
        self.events.append(event)

    def flush(self) -> None:
        self.flushed += 1

    _flush = flush

    def of_kind(self, kind: str) -> list[MetricEvent]:
        return [e for e in self.events if e.kind == kind]


@pytest.fixture
def recording_sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def cad_registry() -> Iterator[Callable[..., Registry]]:
    def make(*modules: object, entry_points: bool = False) -> Registry:
        registry = build_registry(modules, entry_points=entry_points)
        set_registry(registry)
        return registry

    yield make
    set_registry(None)


def make_execution_context(
    registry: Registry,
    cluster_id: str = "",
    alert: Alert | None = None,
    notes_name: str = "test",
    dry_run: bool = False,
) -> ExecutionContext:
    resources = Resources(registry.resources(), cluster_id=cluster_id, alert=alert)
    return ExecutionContext(
        cluster_id=cluster_id,
        resources=resources,
        notes=Notes(notes_name),
        alert=alert,
        dry_run=dry_run,
    )


@pytest.fixture
def execution_context() -> Callable[..., ExecutionContext]:
    return make_execution_context


def secrets_plugin(*names: str, multiple: tuple[str, ...] = ()) -> types.ModuleType:
    """An inline plugin declaring ``names`` as secrets (``multiple``: comma lists)."""
    from cad_core.registrations import Setting

    def settings() -> Iterator[Setting]:
        for name in names:
            yield Setting(name=name, secret=True, multiple=name in multiple)

    return inline_plugin(f"secrets-{'-'.join(names).lower()}", cad_settings=settings)
