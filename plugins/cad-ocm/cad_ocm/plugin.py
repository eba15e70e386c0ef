"""Hook implementations of the ``cad-ocm`` plugin (entry point ``cad: ocm``).

Only hooks live here, and they import lazily, so loading the plugin for ``cad --help``
pulls in neither ``requests`` nor ``boto3``.
"""

from __future__ import annotations

from collections.abc import Iterator

from cad_core.plugins.checks import number_check, url_check
from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import (
    ActionExecutor,
    FilterField,
    Investigation,
    Resource,
    Setting,
)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    https = url_check("https")
    yield Setting(name="CAD_OCM_URL", description="OCM API base URL", check=https)
    yield Setting(name="CAD_OCM_CLIENT_ID", description="OCM service-account client id")
    yield Setting(
        name="CAD_OCM_CLIENT_SECRET", description="OCM service-account secret", secret=True
    )
    yield Setting(name="CAD_OCM_TOKEN_URL", description="SSO token endpoint", check=https)
    yield Setting(name="BACKPLANE_URL", description="backplane API base URL", check=https)
    yield Setting(
        name="AWS_ENDPOINT_URL",
        description="base URL of the AWS calls",
        check=url_check("https", "http"),
    )
    yield Setting(name="AWS_SECRET_ACCESS_KEY", description="AWS secret key", secret=True)
    yield Setting(name="AWS_SESSION_TOKEN", description="AWS session token", secret=True)
    yield Setting(name="CAD_STATE_DIR", description="folder of the ledger of open remediations")
    yield Setting(
        name="CAD_GRANT_TTL_SECONDS",
        description="how long a remediation may live before a later run removes it",
        check=number_check(1),
        default="900",
    )


@hookimpl
def cad_resources() -> Iterator[Resource]:
    from cad_ocm import management, resources

    yield from resources.registrations()
    yield management.registration()


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_ocm import executors

    yield from executors.registrations()


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    from cad_ocm import ccam, precheck

    yield precheck.INVESTIGATION
    yield ccam.INVESTIGATION


@hookimpl
def cad_filter_fields() -> Iterator[FilterField]:
    from cad_ocm import filter_fields

    yield from filter_fields.registrations()
