"""Hook implementations only: the investigation's logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_cannotretrieveupdates.investigation import run

    yield Investigation(
        name="cannotretrieveupdatessre",
        aliases=("cannotretrieveupdates", "can-not-retrieve-updates"),  # the last: upstream's
        run=run,
        default_route=DefaultRoute(alert_titles=("CannotRetrieveUpdatesSRE",), experimental=True),
        description=(
            "Cannot retrieve updates: notes the egress verdict and why the ClusterVersion "
            "could not retrieve updates"
        ),
        prefetch=("cluster", "egress_findings", "kube"),
    )
