"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_pdbblockingnodedrain.investigation import run

    yield Investigation(
        name="pdbblockingnodedrain",
        aliases=("pdb",),
        run=run,
        default_route=DefaultRoute(alert_titles=("HCPNodepoolUpgradeDelay",)),
        description=(
            "PDB blocking node drain: finds nodes stuck draining, the PodDisruptionBudgets "
            "that hold their pods, who owns each workload and whether scaling would help; "
            "notes and escalates"
        ),
        prefetch=("cluster", "kube"),
    )
