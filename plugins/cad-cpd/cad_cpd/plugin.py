"""Hook implementations only: the investigation's logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_cpd.investigation import run

    yield Investigation(
        name="cpd",
        aliases=("clusterprovisioningdelay",),
        run=run,
        default_route=DefaultRoute(alert_titles=("ClusterProvisioningDelay -",)),
        description=(
            "Cluster provisioning delay: checks the install state, DNS, the routes of "
            "customer subnets and internet egress"
        ),
        prefetch=("cluster", "cluster_deployment"),
    )
