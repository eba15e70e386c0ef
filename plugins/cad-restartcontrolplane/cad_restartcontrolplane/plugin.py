"""Hook implementations only: the investigation and the executor live in sibling modules."""

from collections.abc import Iterator

from cad_core import ActionExecutor, DefaultRoute, Investigation, hookimpl

import cad_restartcontrolplane.actions  # noqa: F401  (registers restart_control_plane)


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_restartcontrolplane.investigation import run

    yield Investigation(
        name="restartcontrolplane",
        aliases=("restart-controlplane",),  # upstream's short name for manual runs
        run=run,
        default_route=DefaultRoute(alert_titles=("RestartControlPlane",)),
        prefetch=("cluster", "management_cluster"),
        description=(
            "Restart an HCP cluster's control plane: stamps its HostedCluster with "
            "hypershift.openshift.io/restart-date on the management cluster"
        ),
    )


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_restartcontrolplane.executor import registrations

    yield from registrations()
