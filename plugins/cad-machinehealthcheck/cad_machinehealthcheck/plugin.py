"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_machinehealthcheck.investigation import run

    yield Investigation(
        name="machinehealthcheckunterminatedshortcircuitsre",
        aliases=("machinehealthcheck", "mhc", "machine-health-check"),
        run=run,
        default_route=DefaultRoute(alert_titles=("MachineHealthCheckUnterminatedShortCircuitSRE",)),
        description=(
            "MachineHealthCheck short-circuited: looks at the machines and nodes of every "
            "health check that stopped remediating and recommends what to do for each; "
            "notes and escalates"
        ),
        prefetch=("cluster", "kube"),
    )
