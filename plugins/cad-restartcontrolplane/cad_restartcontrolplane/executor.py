"""Carries out ``restart_control_plane``: one update of the HostedCluster on the
management cluster, guarded by a real idempotency check.

The check reads the HostedCluster's ``restart-date`` annotation: if it already holds a
time no older than :data:`RECENT` before the one this action would write, a restart was
requested moments ago (a retry whose reply was lost, a redelivered alert, a second CAD
run) and asking again would only roll the control plane twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from cad_core.errors import CadError, PermanentError, TransientError
from cad_core.plugins.registrations import ActionExecutor
from cad_core.run.context import ExecutionContext

from cad_restartcontrolplane.actions import RESTART_ANNOTATION, RestartControlPlane

INVESTIGATION = "restartcontrolplane"
HOSTED_CLUSTERS = ("hypershift.openshift.io/v1beta1", "hostedclusters")
RECENT = timedelta(minutes=15)  # a restart rolls every control-plane pod within minutes


def _management_kube(ctx: ExecutionContext) -> Any:
    """The management cluster through restartcontrolplane's remediation (its RBAC), also
    under ``cad apply``, where no investigation runs to scope resources to."""
    resources = ctx.resources
    if not resources.run.investigation:
        resources = resources.scoped(INVESTIGATION)
    return resources.get("management_cluster").kube


def _hosted_cluster(action: RestartControlPlane, ctx: ExecutionContext) -> dict[str, Any]:
    kube = _management_kube(ctx)
    version, resource = HOSTED_CLUSTERS
    found: dict[str, Any] | None = kube.get_object(
        version, resource, action.hosted_cluster, namespace=action.namespace
    )
    if found is None:
        raise PermanentError(
            f"HostedCluster {action.namespace}/{action.hosted_cluster} does not exist on the "
            "management cluster"
        )
    return found


def restart_requested(action: RestartControlPlane, ctx: ExecutionContext) -> str | None:
    annotations = _hosted_cluster(action, ctx).get("metadata", {}).get("annotations") or {}
    current = annotations.get(RESTART_ANNOTATION)
    if current == action.restart_date:  # this very request, whatever form its time has
        return f"a control-plane restart was already requested at {current}"
    kube = _management_kube(ctx)
    stamped, wanted = kube.timestamp(current), kube.timestamp(action.restart_date)
    if stamped is None or wanted is None or stamped < wanted - RECENT:
        return None
    return f"a control-plane restart was already requested at {current}"


def restart(action: RestartControlPlane, ctx: ExecutionContext) -> None:
    hosted = _hosted_cluster(action, ctx)
    metadata = hosted.setdefault("metadata", {})
    annotations = metadata.get("annotations") or {}
    metadata["annotations"] = {**annotations, RESTART_ANNOTATION: action.restart_date}
    version, resource = HOSTED_CLUSTERS
    kube = _management_kube(ctx)
    try:
        kube.replace_object(version, resource, hosted, namespace=action.namespace)
    except CadError as error:
        if getattr(error, "status", None) == 409:  # changed since read: read again, retry
            raise TransientError(f"HostedCluster changed while being updated: {error}") from error
        raise
    ctx.log.info("requested a control-plane restart of %s", action.hosted_cluster)
    ctx.notes.automation(
        f"Requested a control-plane restart: HostedCluster {action.namespace}/"
        f"{action.hosted_cluster} now carries {RESTART_ANNOTATION}={action.restart_date}"
    )


def describe(action: RestartControlPlane, ctx: ExecutionContext) -> str:
    return action.summary_line()


def registrations() -> Iterator[ActionExecutor[RestartControlPlane]]:
    yield ActionExecutor(
        name="hostedcluster-restart",
        action_types=(RestartControlPlane.type_id,),
        execute=restart,
        already_applied=restart_requested,
        describe=describe,
        settings=("BACKPLANE_URL",),
        # The investigation's remediation on the management cluster stays for the plan,
        # instead of closing beside it and being opened again here.
        resources=("management_cluster",),
    )
