"""Hook implementations only: the investigation's logic lives in sibling modules."""

from cad_core import Investigation, hookimpl

from cad_errorbudgetburn.investigation import run


@hookimpl
def cad_investigations():
    yield Investigation(
        name="clustermonitoringerrorbudgetburn",
        aliases=("cmbb",),
        run=run,
        description=(
            "Monitoring error budget burn: checks whether a user-workload-monitoring "
            "misconfiguration keeps the monitoring cluster operator unavailable"
        ),
    )
