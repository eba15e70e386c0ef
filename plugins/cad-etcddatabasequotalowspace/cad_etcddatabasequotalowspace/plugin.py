"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, Setting, hookimpl
from cad_core.plugins.checks import number_check


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_etcddatabasequotalowspace.investigation import run

    yield Investigation(
        name="etcddatabasequotalowspace",
        aliases=("etcd-quota-low",),  # upstream's short name for manual runs
        run=run,
        default_route=DefaultRoute(alert_titles=("etcdDatabaseQuotaLowSpace",)),
        prefetch=("cluster",),
        description=(
            "etcd database quota low: analyses an etcd snapshot in a Job next to a member "
            "(an HCP cluster's on its management cluster) and reports what fills it; "
            "silences a warning, escalates a critical alert"
        ),
    )


# Declared once; investigation.py reads them through these declarations.
OCTOSQL_IMAGE = Setting(
    name="CAD_OCTOSQL_IMAGE",
    description="image of the etcd snapshot analyser (analyze-snapshot.sh)",
    default="quay.io/redhat_emp1/octosql-etcd:f1c13b27",  # upstream's deployment default
)
ANALYSIS_TIMEOUT = Setting(
    name="CAD_ETCD_ANALYSIS_TIMEOUT_SECONDS",
    description="how long etcddatabasequotalowspace waits for its analysis Job",
    check=number_check(1),
    default="300",
)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    yield OCTOSQL_IMAGE
    yield ANALYSIS_TIMEOUT
