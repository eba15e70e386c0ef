"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, Setting, hookimpl


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_chgm.settings import declared

    yield from declared()


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_chgm.investigation import run

    yield Investigation(
        name="chgm",
        run=run,
        default_route=DefaultRoute(alert_titles=("has gone missing",)),
        # What it reads on every path up to its verdict, fetched side by side before it
        # runs. infra_cluster is the engine's guard for the limited support or service log
        # most of its plans carry; reading it now saves a round trip after the verdict.
        prefetch=(
            "cluster",
            "cluster_deployment",
            "aws_sdk",
            "aws_session",
            "machine_pools",
            "infra_cluster",
        ),
        description=(
            "Cluster has gone missing: looks for instances stopped outside OpenShift, recent "
            "hibernation and blocked internet egress"
        ),
    )
