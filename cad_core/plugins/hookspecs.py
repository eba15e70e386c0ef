"""The hooks a CAD plugin implements.

Every hook takes no arguments and returns (or yields) registration objects from
:mod:`cad_core.plugins.registrations`. The plugin manager gathers them, attributes each to its
distribution, and resolves them by key. Keep plugin modules thin: import heavy
libraries inside the callables you register, not at module import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

from cad_core.plugins.registrations import (
    ActionExecutor,
    AlertPlan,
    AlertSource,
    Command,
    FilterField,
    Investigation,
    LockProvider,
    MetricsSink,
    OutputFormat,
    Resource,
    Setting,
)

if TYPE_CHECKING:
    from cad_core.plugins.simulation import SandboxSimulator

PROJECT = "cad"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def cad_investigations() -> Iterable[Investigation]:  # type: ignore[empty-body]
    """Register investigations. Called once when the plugin manager is built.

    Yield :class:`~cad_core.plugins.registrations.Investigation` objects, keyed by ``name``;
    ``aliases`` are short names accepted by ``cad run -i``.

    Example::

        from cad_core import Investigation, InvestigationResult, EscalateIncident, hookimpl

        def run(ctx):
            ctx.notes.warning("nothing automatic to do here")
            return InvestigationResult([EscalateIncident(reason="needs a human")])

        @hookimpl
        def cad_investigations():
            yield Investigation(name="example", run=run, aliases=("ex",),
                                description="escalates every time")
    """


@hookspec
def cad_action_executors() -> Iterable[ActionExecutor]:  # type: ignore[empty-body]
    """Register executors. Called once when the plugin manager is built.

    Yield :class:`~cad_core.plugins.registrations.ActionExecutor` objects; each claims one or more
    action type ids. Two executors claiming one type is a start-up error unless the
    routing config picks one under ``executors:``.

    Example::

        from cad_core import ActionExecutor, hookimpl
        from cad_core.http import session  # timeouts, trust bundle, typed errors

        def post_to_chat(action, ctx):
            session(CHAT_URL).post("/messages", json={"text": action.text})

        @hookimpl
        def cad_action_executors():
            yield ActionExecutor(name="chat", action_types=("chat_message",),
                                 execute=post_to_chat,
                                 describe=lambda a, ctx: f"post {a.text!r} to chat")
    """


@hookspec
def cad_metrics_sinks() -> Iterable[MetricsSink]:  # type: ignore[empty-body]
    """Register metrics sinks. Called once when the plugin manager is built.

    Every :class:`~cad_core.run.metrics.MetricEvent` of a run goes to every sink's ``record``;
    ``flush`` runs once at the end. A sink that raises is logged and ignored.

    Example::

        from cad_core import MetricsSink, hookimpl

        seen = []

        @hookimpl
        def cad_metrics_sinks():
            yield MetricsSink(name="memory", record=seen.append)
    """


@hookspec
def cad_alert_sources() -> Iterable[AlertSource]:  # type: ignore[empty-body]
    """Register alert sources. Called once when the plugin manager is built.

    For ``cad run --payload-path``, each source's ``parse(payload_bytes)`` is tried in
    turn; the first to return an :class:`~cad_core.run.context.Alert` wins.

    Example::

        import json
        from cad_core import Alert, AlertSource, hookimpl

        def parse(payload):
            data = json.loads(payload)
            if "my_alert" not in data:
                return None
            return Alert(source="mine", id=data["my_alert"]["id"],
                         title=data["my_alert"]["title"],
                         cluster_id=data["my_alert"]["cluster"])

        @hookimpl
        def cad_alert_sources():
            yield AlertSource(name="mine", parse=parse)
    """


@hookspec
def cad_resources() -> Iterable[Resource]:  # type: ignore[empty-body]
    """Register resources: lazily built facts and clients shared by a run's investigations.

    A factory receives the run's :class:`~cad_core.run.context.Resources` and may ask it for
    other resources; the result is cached for the run, a failure is not (a retry builds
    it again). Objects with ``close()`` are closed when the run ends, or beside the plan
    once the investigation has returned for ``scope="investigation"``. ``needs`` names the
    resources a factory asks for, so reads ahead build them first (docs/resources.md).

    Example::

        from cad_core import Resource, hookimpl

        def build_cluster(resources):
            return resources.get("ocm").get_cluster(resources.cluster_id)

        @hookimpl
        def cad_resources():
            yield Resource(name="cluster", factory=build_cluster, needs=("ocm",),
                           description="the OCM cluster object")
    """


@hookspec
def cad_commands() -> Iterable[Command]:  # type: ignore[empty-body]
    """Register extra ``cad`` sub-commands (click commands).

    Example::

        import click
        from cad_core import Command, hookimpl

        @click.command("hello")
        def hello():
            click.echo("hello from a plugin")

        @hookimpl
        def cad_commands():
            yield Command(name="hello", command=hello)
    """


@hookspec
def cad_output_formats() -> Iterable[OutputFormat]:  # type: ignore[empty-body]
    """Register run-record formats for ``--output`` beyond ``text`` and ``json``.

    The core knows only the name ``html`` (cad-report renders it); the record is
    redacted before ``render`` sees it.

    Example::

        import html
        from cad_core import OutputFormat, hookimpl

        def page(record):
            return f"<pre>{html.escape(str(record))}</pre>"

        @hookimpl
        def cad_output_formats():
            yield OutputFormat(name="html", render=page, description="a plain page")
    """


@hookspec
def cad_filter_fields() -> Iterable[FilterField]:  # type: ignore[empty-body]
    """Register fields that routing filters (``when``) can test.

    Yield :class:`~cad_core.plugins.registrations.FilterField` objects, keyed by ``name``. The
    core itself only knows the alert's fields (``AlertName``, ``AlertTitle``,
    ``ServiceName``); everything about a cluster comes from the plugin that knows clusters.

    Example::

        from cad_core import FilterField, hookimpl

        @hookimpl
        def cad_filter_fields():
            yield FilterField(
                name="ClusterRegion",
                value=lambda resources: resources.get("cluster")["region"]["id"],
                description="the cluster's cloud region",
            )
    """


@hookspec
def cad_settings() -> Iterable[Setting]:  # type: ignore[empty-body]
    """Declare the environment settings (and secrets) this plugin reads.

    CAD checks every declared setting at start-up (a malformed value is one line naming
    the variable, exit code 2, before any request), redacts every ``secret=True`` value
    from logs, errors and output in every encoding it writes, and lists them in
    ``cad plugins``. ``name`` is the environment variable. Read it through the
    declaration, ``cad_core.settings.setting(CHAT_URL)`` (or by name once the registry is
    built): the stripped value, checked, or the declared default.

    Example::

        from cad_core import Setting, hookimpl
        from cad_core.plugins.checks import url_check

        @hookimpl
        def cad_settings():
            yield Setting(name="CHAT_URL", description="chat webhook base URL",
                          check=url_check("https"))
            yield Setting(name="CHAT_TOKEN", description="chat API token", secret=True)
    """


@hookspec
def cad_lock_providers() -> Iterable[LockProvider]:  # type: ignore[empty-body]
    """Register lock providers, which serialise runs that write for one incident or cluster.

    ``CAD_LOCK_PROVIDER`` picks one by name (default ``file``, built in; ``lease`` comes
    with cad-lease). Around each plan the runner acquires ``incident:<id>`` and
    ``cluster:<id>`` in sorted order, waiting at most ``CAD_LOCK_WAIT_SECONDS`` in all.

    Example::

        import redis_lock  # any lock service works the same way
        from cad_core import LockProvider, LockUnavailable, hookimpl

        def acquire(key, timeout):
            lock = redis_lock.Lock(redis_client(), key, expire=30, auto_renewal=True)
            if not lock.acquire(timeout=timeout):
                raise LockUnavailable(key, timeout)
            return lock.release

        @hookimpl
        def cad_lock_providers():
            yield LockProvider(name="redis", acquire=acquire,
                               description="a Redis lock shared by every CAD host")
    """


@hookspec
def cad_sandbox_simulators() -> Iterable[SandboxSimulator]:  # type: ignore[empty-body]
    """Simulate the plugin's own service in ``cad sandbox`` (used only when it is installed).

    Yield :class:`~cad_core.plugins.simulation.SandboxSimulator` objects, keyed by ``name``. The
    sandbox serves each on loopback HTTPS, sets ``setting`` to its URL for the run, seeds
    its world section from the scenario's top-level key ``name``, logs its requests and
    applies ``faults:`` and ``latency_ms:`` given for ``name``. No cad-sandbox import needed.

    A plugin whose service speaks its own wire (the alert source, OCM, AWS) gives
    ``hosts`` instead of ``routes``, with typed scenario ``sections``, its ``render`` of the
    world JSON and, for an alert source, the ``webhook`` the scenario sends: the sandbox
    knows no service by name (see :class:`~cad_core.plugins.simulation.SandboxSimulator`).

    Example::

        from cad_core import SandboxSimulator, hookimpl

        def list_tickets(request, tickets):
            return [t for t in tickets if t["cluster"] == request.query.get("cluster")]

        def open_ticket(request, tickets):
            tickets.append(request.json())
            return tickets[-1]

        @hookimpl
        def cad_sandbox_simulators():
            yield SandboxSimulator(
                name="tickets", setting="TICKETS_URL", seed=list,
                routes={"GET /tickets": list_tickets, "POST /tickets": open_ticket},
            )
    """


@hookspec
def cad_alert_plans() -> Iterable[AlertPlan]:  # type: ignore[empty-body]
    """Plan for every alert in incident mode, right after it is routed, matched or not.

    Yield :class:`~cad_core.plugins.registrations.AlertPlan` objects, keyed by ``name``.
    Each ``plan(resources)`` returns an
    :class:`~cad_core.plugins.registrations.AlertPlanResult` (or None); its actions go
    through the executor engine before the chain, like any plan. cad-pagerduty moves an
    incident to its organisation's escalation policy this way.

    Example::

        from cad_core import AlertPlan, AlertPlanResult, IncidentNote, hookimpl

        def plan(resources):
            if resources.get("cluster_tier") != "gold":
                return None
            return AlertPlanResult([IncidentNote(content="a gold cluster: be quick")],
                                   route="gold tier: noted")

        @hookimpl
        def cad_alert_plans():
            yield AlertPlan(name="gold-note", plan=plan,
                            description="notes incidents of gold clusters")
    """


# The one table of hooks: what each yields, and the attribute that keys it. A class given
# as "module:Class" is imported when its hook is first called (registration_class): only
# `cad sandbox` calls cad_sandbox_simulators, so an alert's run never loads the sandbox's types.
HOOKS: dict[str, tuple[type | str, str]] = {
    "cad_investigations": (Investigation, "name"),
    "cad_action_executors": (ActionExecutor, "action_types"),
    "cad_metrics_sinks": (MetricsSink, "name"),
    "cad_alert_sources": (AlertSource, "name"),
    "cad_resources": (Resource, "name"),
    "cad_commands": (Command, "name"),
    "cad_output_formats": (OutputFormat, "name"),
    "cad_filter_fields": (FilterField, "name"),
    "cad_settings": (Setting, "name"),
    "cad_lock_providers": (LockProvider, "name"),
    "cad_sandbox_simulators": ("cad_core.plugins.simulation:SandboxSimulator", "name"),
    "cad_alert_plans": (AlertPlan, "name"),
}
HOOK_NAMES = tuple(HOOKS)


def registration_class(hook: str) -> type:
    """The class ``hook`` yields (imported now when the table names it by its path)."""
    cls, _key = HOOKS[hook]
    if isinstance(cls, str):
        module, _, name = cls.partition(":")
        cls = getattr(importlib.import_module(module), name)
        assert isinstance(cls, type)
    return cls
