"""Pytest helpers for plugin authors (loaded automatically as a pytest plugin).

It needs pytest, which ``cad-core`` does not install: install ``cad-core[test]`` (or
pytest) in your plugin's test environment. Pytest finds it by itself (entry point
``pytest11``); plugin tests use it without importing anything.

One call runs an investigation the way ``cad run`` does, with only the plugins you name:

* ``run_investigation(name, cluster=..., params=..., dry_run=..., plugins=[...],
  resources={name: value})``: the run's action outcomes in plan order
  (``outcome.status``, ``.reason``, ``.error``, ``.executor``, ``.action``).

Fixtures:

* ``cad_plugins(*names)``: a registry of the named entry-point plugins only (by
  entry-point or distribution name), so other installed plugins cannot disturb a test.

* ``cad_registry(*modules, entry_points=False)``: build an isolated registry from inline
  plugin modules (or objects with hook functions), installed as the process registry
  for the test and restored afterwards.
* ``recording_sink``: a metrics sink that keeps every event; register it with
  ``recording_sink.plugin``.
* ``execution_context(...)``: an :class:`~cad_core.run.context.ExecutionContext` over a
  registry's resources, for calling executors the way the engine does.

With cad-sandbox installed, its ``cad_simulator(name, seed=None, **scenario)`` fixture
serves a plugin's own simulator (hook ``cad_sandbox_simulators``) and sets the plugin's
setting to it, so ``run_investigation`` talks to a simulated service (docs/sandbox.md).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from cad_core.plan.notes import Notes
from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.isolation import only_plugins
from cad_core.plugins.registrations import MetricsSink
from cad_core.plugins.registry import Registry, build_registry, set_registry
from cad_core.run.context import Alert, ExecutionContext, Resources
from cad_core.run.metrics import MetricEvent

if TYPE_CHECKING:
    from cad_core.plan.engine.report import ActionOutcome


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
    from cad_core.plugins.registrations import Setting

    def settings() -> Iterator[Setting]:
        for name in names:
            yield Setting(name=name, secret=True, multiple=name in multiple)

    return inline_plugin(f"secrets-{'-'.join(names).lower()}", cad_settings=settings)


@pytest.fixture
def cad_plugins() -> Iterator[Callable[..., Registry]]:
    """``cad_plugins("example", "pagerduty")``: only these plugins, for this test."""
    yield only_plugins
    set_registry(None)


def run_investigation(
    name: str,
    cluster: str = "c1",
    params: Mapping[str, str] | None = None,
    dry_run: bool = False,
    plugins: Collection[str] | None = None,
    config: str | None = None,
    resources: Mapping[str, object] | None = None,
) -> list[ActionOutcome]:
    """Run ``name`` as ``cad run -c CLUSTER -i NAME --no-prechecks`` would; its outcomes.

    ``plugins`` names the entry-point plugins to load (``None``: keep the current
    registry). ``resources`` gives the investigation fixed values by resource name
    (``{"cluster": fake_cluster}``) in place of what the installed plugins would build;
    every other resource is built as in production. The plan runs through the real
    engine: dry-run, duplicate checks and every executor behave as in production.

    The result is one :class:`~cad_core.plan.engine.report.ActionOutcome` per planned action,
    in plan order (actions a policy removed or replaced included, where they stood),
    followed by any CAD added itself (an escalation when the investigation failed).
    Each has ``action`` (the planned action), ``status`` (a
    :class:`~cad_core.plan.engine.report.Status`, equal to its string: ``"succeeded"``,
    ``"skipped_duplicate"``, ``"failed"``, ``"dry_run"``, ``"not_run"``,
    ``"held_for_approval"``, ``"dropped_by_policy"``, ``"replaced_by_policy"``),
    ``reason`` (why it was skipped, held or what a dry run would do), ``error`` (why it
    failed or did not run), ``executor``, ``attempts``, ``investigation`` and ``type``.
    """
    from cad_core.plugins.isolation import isolated
    from cad_core.run.app import RunRequest, execute

    with isolated(plugins):
        request = RunRequest(
            cluster_id=cluster,
            investigation=name,
            params=dict(params or {}),
            dry_run=dry_run,
            config=config,
            chain_heads=False,
            resources=dict(resources or {}),
        )
        record = execute(request)
    return list(record.actions)
