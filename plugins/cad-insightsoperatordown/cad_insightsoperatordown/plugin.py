"""Hook implementations only: the investigation's logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_insightsoperatordown.investigation import run

    yield Investigation(
        name="insightsoperatordown",
        run=run,
        default_route=DefaultRoute(alert_titles=("InsightsOperatorDown",)),
        description=(
            "Insights operator down: checks for a banned owner, the known SCA-certificate "
            "pull failure and blocked internet egress"
        ),
        prefetch=("cluster", "owner_ban"),
    )
