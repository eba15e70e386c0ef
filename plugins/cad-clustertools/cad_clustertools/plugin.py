"""Hook implementations only: each tool lives in its own module."""

from collections.abc import Callable, Iterator

from cad_core import (
    DefaultRoute,
    Investigation,
    InvestigationContext,
    InvestigationResult,
    SandboxSimulator,
    Setting,
    hookimpl,
)

Run = Callable[[InvestigationContext], InvestigationResult]


def _run(module: str) -> Run:
    """The tool's ``run``, imported when it runs: ``cad --help`` stays cheap."""

    def run(ctx: InvestigationContext) -> InvestigationResult:
        from importlib import import_module

        result: InvestigationResult = import_module(f"cad_clustertools.{module}").run(ctx)
        return result

    return run


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    yield Investigation(
        name="describenodes",
        aliases=("describe-nodes",),  # upstream's short names for manual runs
        run=_run("describenodes"),
        prefetch=("cluster", "kube"),
        description=(
            "Manual: what `oc describe node` shows for the chosen nodes (-p NODES=a,b, "
            "-p SELECTOR=..., -p MASTER|INFRA|WORKER=true; default every node), in a report"
        ),
    )
    yield Investigation(
        name="clusterhealthcheck",
        aliases=("cluster-health-check",),
        run=_run("healthcheck"),
        prefetch=("cluster", "kube"),
        description=(
            "Manual: a dozen health checks (operators, API server, etcd, machine config "
            "pools, CSRs, nodes, capacity, version, pods, PDBs, events), in a report"
        ),
    )
    yield Investigation(
        name="mustgather",
        aliases=("must-gather",),
        run=_run("mustgather"),
        default_route=DefaultRoute(alert_titles=("MustGather",)),
        prefetch=("cluster",),
        description=(
            "Must-gather: the commands to collect and upload one for this cluster (CAD "
            "cannot run oc); checks for one still running on an HCP management cluster"
        ),
    )


# Declared once; the tools read them through these declarations.
MUST_GATHER_IMAGE = Setting(
    name="CAD_ACM_HCP_MUST_GATHER_IMAGE",
    description="must-gather image for HCP clusters (mustgather's command)",
    default="registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8",
)
UPGRADE_GRAPH_URL = Setting(
    name="CAD_UPGRADE_GRAPH_URL",
    description="base URL of the upgrade graph clusterhealthcheck's end-of-life check asks",
    default="https://api.openshift.com",
)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    yield MUST_GATHER_IMAGE
    yield UPGRADE_GRAPH_URL


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    from cad_clustertools.graph_simulator import SIMULATOR

    yield SIMULATOR
