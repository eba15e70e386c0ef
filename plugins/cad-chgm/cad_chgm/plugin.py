"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_chgm.investigation import run

    yield Investigation(
        name="chgm",
        run=run,
        default_route=DefaultRoute(alert_titles=("has gone missing",)),
        description=(
            "Cluster has gone missing: looks for instances stopped outside OpenShift, recent "
            "hibernation and blocked internet egress"
        ),
    )
