"""Environment settings of cad-ocm: every one declared here, and the OCM client's."""

from __future__ import annotations

import attrs
from cad_core.errors import MissingSettingError
from cad_core.plugins.checks import number_check, url_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import setting

DEFAULT_TOKEN_URL = (
    "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token"
)
_HTTPS = url_check("https")
# CAD_STATE_DIR is the core's (cad_core.coresettings); the ledger shares its folder.
DECLARED = {
    declared.name: declared
    for declared in (
        Setting("CAD_OCM_URL", "OCM API base URL", check=_HTTPS),
        Setting("CAD_OCM_CLIENT_ID", "OCM service-account client id"),
        Setting("CAD_OCM_CLIENT_SECRET", "OCM service-account secret", secret=True),
        Setting("CAD_OCM_TOKEN_URL", "SSO token endpoint", check=_HTTPS, default=DEFAULT_TOKEN_URL),
        Setting("BACKPLANE_URL", "backplane API base URL", check=_HTTPS),
        Setting(
            "AWS_ENDPOINT_URL",
            "base URL of the AWS calls",
            check=url_check("https", "http"),
        ),
        Setting("AWS_SECRET_ACCESS_KEY", "AWS secret key", secret=True),
        Setting("AWS_SESSION_TOKEN", "AWS session token", secret=True),
        Setting(
            "CAD_GRANT_TTL_SECONDS",
            "how long a remediation may live before a later run removes it",
            check=number_check(1),
            default="900",
        ),
        Setting(
            "CAD_KUBE_PAGE_SIZE",
            "objects per kube API list request (a whole number)",
            check=number_check(1),
            default="500",
        ),
        Setting(
            "CAD_NETWORK_VERIFIER",
            "command line of the egress verifier, split as a shell would",
            default="osd-network-verifier",
        ),
        Setting(
            "CAD_NETWORK_VERIFIER_TIMEOUT",
            "how long the egress verifier may run (s)",
            check=number_check(0, above=True),
            default="600",
        ),
    )
}


def value(name: str) -> str:
    """A cad-ocm setting through its declaration: checked, or its declared default."""
    return setting(DECLARED.get(name) or name)


def number(name: str) -> float:
    from cad_core.settings import number as declared_number

    return declared_number(DECLARED.get(name) or name)


OCM_REQUIRED = ("CAD_OCM_URL", "CAD_OCM_CLIENT_ID", "CAD_OCM_CLIENT_SECRET")
BACKPLANE_REQUIRED = ("BACKPLANE_URL",)


@attrs.frozen(repr=False)
class Settings:
    """Where OCM lives and how CAD signs in. ``repr`` leaves the secret out."""

    ocm_url: str
    client_id: str
    client_secret: str
    token_url: str = DEFAULT_TOKEN_URL
    backplane_url: str = ""

    @classmethod
    def from_env(cls, *, backplane: bool = False) -> Settings:
        """Read the environment; name every missing variable at once.

        ``backplane=True`` also requires ``BACKPLANE_URL``, so a caller that needs both
        learns about all of them in one go.
        """
        wanted = OCM_REQUIRED + (BACKPLANE_REQUIRED if backplane else ())
        read = {name: setting(declared, check=False) for name, declared in DECLARED.items()}
        missing = [name for name in wanted if not read[name]]
        if missing:
            purpose = "OCM and backplane access" if backplane else "OCM access"
            raise MissingSettingError(missing, purpose)
        return cls(
            ocm_url=read["CAD_OCM_URL"].rstrip("/"),
            client_id=read["CAD_OCM_CLIENT_ID"],
            client_secret=read["CAD_OCM_CLIENT_SECRET"],
            token_url=read["CAD_OCM_TOKEN_URL"],
            backplane_url=read["BACKPLANE_URL"].rstrip("/"),
        )

    def __repr__(self) -> str:
        return (
            f"Settings(ocm_url={self.ocm_url!r}, client_id={self.client_id!r}, "
            f"token_url={self.token_url!r}, backplane_url={self.backplane_url!r})"
        )
