"""Hook implementations only: the investigation's logic lives in sibling modules."""

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, Setting, hookimpl


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_expiredcertificates.settings import WARNING_DAYS_SETTING

    yield WARNING_DAYS_SETTING


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap
    # (the certificate parser pulls in cryptography).
    from cad_expiredcertificates.investigation import run

    yield Investigation(
        name="expiredcertificates",
        aliases=("certificates",),
        run=run,
        default_route=DefaultRoute(alert_titles=("expiredcertificates",)),
        description=(
            "Expired certificates: reads the API server, ingress and component-route "
            "certificates and the TLS secrets of the platform namespaces, and notes any "
            "that expired or expire soon (never escalates or silences)"
        ),
        prefetch=("cluster", "kube"),
    )
