"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_errorbudgetburn.investigation import run

    yield Investigation(
        name="clustermonitoringerrorbudgetburn",
        aliases=("cmbb",),
        run=run,
        default_route=DefaultRoute(alert_titles=("ClusterMonitoringErrorBudgetBurnSRE",)),
        description=(
            "Monitoring error budget burn: checks whether a user-workload-monitoring "
            "misconfiguration keeps the monitoring cluster operator unavailable"
        ),
        prefetch=("cluster", "kube", "infra_cluster"),
    )
