"""Hook implementations only: the investigation's logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_ocmagentresponsefailure.investigation import run

    yield Investigation(
        name="ocmagentresponsefailure",
        run=run,
        description=(
            "OCM agent cannot send service logs: checks internet egress, whether the owner "
            "is banned and whether the pull secret still matches the owner's OCM account"
        ),
        default_route=DefaultRoute(alert_titles=("OCMAgentResponseFailure",)),
        prefetch=("cluster", "egress_findings", "owner_ban", "pull_secret_check"),
    )
