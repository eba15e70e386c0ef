"""Glue between the CLI and the runner: load everything a run needs, then run it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

import attrs

from cad_core import logcontext
from cad_core.config.routes import (
    RoutingConfig,
    config_path,
    experimental_enabled,
    routes_from_plugins,
)
from cad_core.errors import BadInputError, CadError, one_line, retryable
from cad_core.plan.actions import EscalateIncident, IncidentNote
from cad_core.plan.engine.retry import Deadline, call_with_retry
from cad_core.plugins.registrations import Resource
from cad_core.plugins.registry import Registry, get_registry
from cad_core.run.alertplans import check_alert_plans
from cad_core.run.chains import run_incident, run_manual
from cad_core.run.context import Alert, Resources, RunInfo
from cad_core.run.metrics import ALERT_READ_FAILED, Dispatcher
from cad_core.run.prefetch import prefetch_before_alert
from cad_core.run.record import RunRecord
from cad_core.run.runner import Run
from cad_core.run.shutdown import shielded
from cad_core.settings import RunSettings

log = logging.getLogger("cad.app")


@attrs.frozen
class RunRequest:
    payload: bytes | None = None
    cluster_id: str = ""
    investigation: str = ""
    params: Mapping[str, str] = attrs.field(factory=dict)
    dry_run: bool = False
    with_filtering: bool = False
    config: str | None = None
    inform: bool = False
    chain_heads: bool = True  # False: run the target alone (cad run --no-prechecks)
    # Fixed resource values by name, in place of the installed providers (for tests).
    resources: Mapping[str, object] = attrs.field(factory=dict)


def known_investigations(registry: Registry) -> tuple[list[str], dict[str, str]]:
    names, aliases = [], {}
    for inv in registry.investigations():
        names.append(inv.name)
        aliases.update({alias: inv.name for alias in inv.aliases})
    return names, aliases


def known_fields(registry: Registry) -> list[str]:
    """Filter fields a routing config may use: the alert's, and every plugin's."""
    import cad_core.config.filters as filters

    return [*filters.ALERT_FIELDS, *registry.filter_fields()]


def load_routing(registry: Registry, flag: str | None, required: bool) -> RoutingConfig:
    path = config_path(flag)
    if path is None:
        # No config: incident mode routes by what the installed plugins declare, so
        # `pip install cad-x` makes x reachable at once; manual mode needs no routes, but
        # runs the installed chain heads first, as upstream always runs precheck and ccam.
        return plugin_routes(registry) if required else plugin_heads(registry)
    from cad_core.config.routing import load_config  # YAML: only for a config file

    names, aliases = known_investigations(registry)
    return load_config(path, names, aliases, known_fields(registry))


def plugin_routes(registry: Registry) -> RoutingConfig:
    """The default routes (and chain heads) the installed investigations declare."""
    pairs = [(reg.item, reg.plugin.label) for reg in registry.registrations("cad_investigations")]
    config = routes_from_plugins(pairs)
    if not config.alerts:
        raise BadInputError(
            "incident mode needs a routing config: pass --config FILE or set "
            "CAD_INVESTIGATION_CONFIG_PATH (contrib/config/routing.yaml is an example), "
            "or install an investigation plugin that declares a default route"
        )
    return config


def plugin_heads(registry: Registry) -> RoutingConfig:
    """No routes: only the chain heads the installed investigations declare."""
    pairs = [(reg.item, reg.plugin.label) for reg in registry.registrations("cad_investigations")]
    return RoutingConfig(chain_heads=routes_from_plugins(pairs).chain_heads)


def check_plugins(registry: Registry, config: RoutingConfig) -> None:
    """Conflicts and ``executors:`` selections that cannot work stop everything at load."""
    problems = registry.conflicts(config.executors) + selection_problems(registry, config)
    if problems:
        raise BadInputError(" | ".join(problems))


def selection_problems(registry: Registry, config: RoutingConfig) -> list[str]:
    """Each ``executors:`` entry must name a known action type and an installed executor
    that claims it."""
    from cad_core.plan.actions import action_types

    executors = {executor.name: executor.action_types for executor in registry.executors()}
    known = set(action_types()).union(*executors.values())
    problems = []
    for type_id, chosen in sorted(config.executors.items()):
        where = f"{config.source or 'routing config'}: executors.{type_id}"
        if type_id not in known:
            problems.append(
                f"{where}: unknown action type {type_id!r}{did_you_mean(type_id, known)}"
            )
        elif chosen not in executors:
            installed = ", ".join(sorted(executors)) or "none"
            problems.append(f"{where} selects {chosen!r}, which is not installed ({installed})")
        elif type_id not in executors[chosen]:
            claims = ", ".join(executors[chosen])
            problems.append(
                f"{where} selects {chosen!r}, which does not claim {type_id!r} "
                f"(it claims: {claims})"
            )
    return problems


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest known name, or ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_escalation_path(registry: Registry, config: RoutingConfig) -> None:
    """Before anything runs: CAD must be able to hand the incident to a human."""
    from cad_core.plan.engine.gates import missing_settings

    for type_id in (IncidentNote.type_id, EscalateIncident.type_id):
        executor = registry.executor(type_id, config.executors)
        missing = missing_settings([executor])
        if missing:
            raise BadInputError(
                f"CAD could not escalate this incident: {', '.join(missing)} not set"
            )


def parse_alert(registry: Registry, payload: bytes, settings: RunSettings) -> Alert:
    """The first alert source that recognises the payload wins; transient errors retry."""
    sources = registry.alert_sources()
    deadline = Deadline(settings.alert_read.deadline)
    for name, source in sources.items():
        alert = call_with_retry(
            partial(source.parse, payload), settings.alert_read, deadline, f"alert source {name}"
        )
        if alert is not None:
            return alert
    tried = ", ".join(sources) or "none installed (install an alert source plugin)"
    raise BadInputError(f"no alert source recognises the payload; formats tried: {tried}")


def execute(request: RunRequest) -> RunRecord:
    """Run one request end to end. BadInputError escapes (exit 2); failures are in the record."""
    registry = get_registry()
    settings = RunSettings.from_env()
    incident = request.payload is not None
    config = load_routing(registry, request.config, required=incident)
    check_plugins(registry, config)
    record = RunRecord(mode="incident" if incident else "manual", dry_run=request.dry_run)
    logcontext.begin_run(record)  # JSON log lines name the run, incident, cluster
    record.inform = request.inform
    if incident:
        check_escalation_path(registry, config)
        check_alert_plans(registry)
    else:
        registry.investigation(request.investigation)  # unknown names fail before any call
        record.cluster_id = request.cluster_id
    early = RunInfo(record.mode, record.cluster_id, None, request.dry_run, "", request.params)
    providers = {**registry.resources(), **fixed_resources(request.resources)}
    resources = Resources(providers, run=early, workers=settings.prefetch_workers)
    try:
        if request.payload is not None and not _read_alert(
            registry, request.payload, settings, record, resources, config.chain_heads
        ):
            return record
        info = attrs.evolve(early, cluster_id=record.cluster_id, alert=record.alert)
        _investigate(request, Run(registry, config, settings, record, resources.with_run(info)))
    finally:
        with shielded():  # a SIGTERM now waits until every remediation is deleted
            resources.close()
    return record


def fixed_resources(values: Mapping[str, object]) -> dict[str, Resource]:
    """Providers that hand out the given values as they are."""
    made = [Resource(name=name, factory=partial(_fixed, value)) for name, value in values.items()]
    return {resource.name: resource for resource in made}


def _fixed(value: object, _resources: Resources) -> object:
    return value


def _read_alert(
    registry: Registry,
    payload: bytes,
    settings: RunSettings,
    record: RunRecord,
    resources: Resources,
    heads: Sequence[str],
) -> bool:
    """Read the alert into ``record``; False when it could not be read (recorded).

    The chain heads run before every chain, so what they declare and can build without
    the alert (the OCM token) starts while the alert is read. An alert
    that turns out resolved or unrouted leaves that unused: the price of not waiting."""
    prefetch_before_alert(resources, registry, heads)
    try:
        record.alert = alert = parse_alert(registry, payload, settings)
    except BadInputError:
        raise
    except CadError as error:
        # Transient trouble outlasted its own budget: nothing is written and nobody was
        # told, so the pipeline must run this again (exit 75) rather than drop the incident.
        record.retry_later = retryable(error)
        again = "; exiting 75 so the pipeline runs it again" if record.retry_later else ""
        record.errors.append(f"reading the alert failed: {one_line(error)}{again}")
        metrics = Dispatcher(registry.metrics_sinks())
        metrics.emit(ALERT_READ_FAILED, retry=str(record.retry_later).lower())
        metrics.flush()
        return False
    except Exception as error:  # a broken alert source is recorded, never a traceback
        record.errors.append(f"reading the alert failed: {one_line(error)}")
        return False
    record.cluster_id = alert.cluster_id
    # Logged once the record holds the alert, so this line names its incident too.
    log.info(
        "alert %s from %s: %r (cluster %s)", alert.id, alert.source, alert.title, alert.cluster_id
    )
    return True


def _investigate(request: RunRequest, run: Run) -> None:
    record = run.record
    try:
        if record.alert is not None:
            run_incident(record.alert, run, experimental_enabled())
        else:
            target = run.registry.investigation(request.investigation).name
            run_manual(target, run, request.with_filtering, request.chain_heads)
    finally:
        run.metrics.flush()
