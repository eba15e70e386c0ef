"""``cad apply``: everything a held plan must pass before its first write, then the write.

The plan word's signature, expiry and binding are checked first (:mod:`cad_core.plan.planword`).
Then, before anything is written: every setting the plan's executors (and, for an incident,
CAD's escalation) need is set; the infrastructure guard can tell the cluster's role (else
each guarded step would quietly be held back); the incident, read afresh through its alert
source, is still open and still about the plan's cluster; and a person has seen every text
in full and said yes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from cad_core import logcontext
from cad_core.config.routes import RoutingConfig
from cad_core.errors import BadInputError, CadError, ResourceError, one_line
from cad_core.plan.engine.gates import missing_settings
from cad_core.plan.engine.policies import INFRA_RESOURCE
from cad_core.plan.engine.report import Status
from cad_core.plan.engine.retry import Deadline, call_with_retry
from cad_core.plan.notes import Notes
from cad_core.plan.planword import PlanBinding, PlanRefused, SignedPlan
from cad_core.plugins.registry import Registry, get_registry
from cad_core.run.app import check_escalation_path, check_plugins, load_routing
from cad_core.run.context import Alert, Resources, RunInfo
from cad_core.run.record import RunRecord
from cad_core.run.runner import Run
from cad_core.settings import RunSettings

# Outcomes that mean a step of the person's plan did not take effect, although nothing
# failed: the apply must not say "succeeded" then.
NOT_DONE = (Status.DROPPED_BY_POLICY, Status.REPLACED_BY_POLICY, Status.HELD_FOR_APPROVAL)


class ApplyStopped(CadError):
    """Something outside the plan kept ``cad apply`` from starting (exit 1): nothing was
    written."""


def check_plan_settings(registry: Registry, routing: RoutingConfig, plan: SignedPlan) -> None:
    """Every setting the plan needs, named at once before anything runs (as ``cad run``)."""
    executors = [registry.executor(a.type_id, routing.executors) for a in plan.actions]
    missing = missing_settings(executors)
    if missing:
        raise BadInputError(
            f"cad apply cannot carry out this plan: {', '.join(missing)} not set; "
            "export them and run again"
        )
    if plan.binding.incident_id:  # the guard's fallback is an escalation
        check_escalation_path(registry, routing)


def check_guard_settings(resources: Resources, plan: SignedPlan) -> None:
    """The infrastructure guard reads a resource. Without the settings it needs, every
    guarded step would be held back and the apply would do nothing: name them instead."""
    if not any(a.guard_label for a in plan.actions) or not resources.has(INFRA_RESOURCE):
        return
    try:
        resources.get(INFRA_RESOURCE)
    except ResourceError as error:
        cause: BaseException = error
        while isinstance(cause, ResourceError):
            cause = cause.cause
        if isinstance(cause, BadInputError):  # a missing or malformed setting
            raise BadInputError(
                f"cad apply cannot check the cluster's role: {one_line(cause)}"
            ) from None
        # Anything else: the guard fails closed and the apply reports the step not done.


def current_alert(registry: Registry, binding: PlanBinding, settings: RunSettings) -> Alert | None:
    """The plan's incident as its source sees it now; PlanRefused when it is closed."""
    if not binding.incident_id:
        return None
    name, incident = binding.alert_source, binding.incident_id
    source = registry.alert_sources().get(name)
    if source is None or source.read is None:
        why = "is not installed" if source is None else "cannot read an incident again"
        raise PlanRefused(
            f"alert source {name!r} {why}, so CAD cannot check that incident {incident} is "
            "still open; nothing was applied"
        )
    try:
        alert = call_with_retry(
            partial(source.read, incident),
            settings.retry,
            Deadline(settings.retry.deadline),
            f"alert source {name}",
        )
    except BadInputError:
        raise
    except CadError as error:
        raise ApplyStopped(
            f"could not read incident {incident} from {name}: {one_line(error)}; "
            "nothing was applied"
        ) from None
    if alert.resolved:
        raise PlanRefused(f"incident {incident} is resolved: CAD applies nothing to it")
    if alert.cluster_id and alert.cluster_id != binding.cluster_id:
        raise PlanRefused(
            f"incident {incident} is about cluster {alert.cluster_id!r} now, not the plan's "
            f"{binding.cluster_id!r}; nothing was applied"
        )
    return alert


def apply_plan(
    plan: SignedPlan,
    dry_run: bool,
    config: str | None,
    confirm: Callable[[SignedPlan, Alert | None], None],
) -> RunRecord:
    """Carry out a verified plan through the same engine and checks as ``cad run``.

    ``confirm(plan, alert)`` shows the plan to the person and returns once they agree
    (it raises otherwise); it is called after every check and before the first write.
    """
    registry = get_registry()
    routing = load_routing(registry, config, required=False)
    check_plugins(registry, routing)
    check_plan_settings(registry, routing, plan)
    settings = RunSettings.from_env()
    binding = plan.binding
    alert = current_alert(registry, binding, settings)
    record = RunRecord(mode="apply", dry_run=dry_run, alert=alert, cluster_id=binding.cluster_id)
    record.chain = ", ".join(binding.investigations) or None
    logcontext.begin_run(record)  # JSON log lines name the run, incident, cluster
    info = RunInfo("apply", binding.cluster_id, alert, dry_run)
    resources = Resources(registry.resources(), run=info)
    run = Run(registry, routing, settings, record, resources)
    # One planner: its name scopes the resources and labels the metrics, as in its run.
    planner = binding.investigations[0] if len(binding.investigations) == 1 else "apply"
    try:
        check_guard_settings(resources, plan)
        confirm(plan, alert)
        run.execute(plan.actions, Notes("cad apply"), planner)
        _require_every_step(record)
    finally:
        resources.close()
        run.metrics.flush()
    return record


def _require_every_step(record: RunRecord) -> None:
    """A person asked for exactly this plan: a step a policy left out is not success."""
    undone = [o for o in record.actions if o.status in NOT_DONE]
    if undone:
        steps = "; ".join(f"{o.type} {o.status} ({o.reason})" for o in undone)
        record.errors.append(f"{len(undone)} step(s) of the plan did not take effect: {steps}")
