"""Environment settings of the OCM and backplane clients."""

from __future__ import annotations

import os

import attrs
from cad_core.errors import MissingSettingError

DEFAULT_TOKEN_URL = (
    "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token"
)
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
        missing = [name for name in wanted if not os.environ.get(name, "").strip()]
        if missing:
            purpose = "OCM and backplane access" if backplane else "OCM access"
            raise MissingSettingError(missing, purpose)
        env = os.environ
        return cls(
            ocm_url=env["CAD_OCM_URL"].strip().rstrip("/"),
            client_id=env["CAD_OCM_CLIENT_ID"].strip(),
            client_secret=env["CAD_OCM_CLIENT_SECRET"].strip(),
            token_url=(env.get("CAD_OCM_TOKEN_URL", "").strip() or DEFAULT_TOKEN_URL),
            backplane_url=env.get("BACKPLANE_URL", "").strip().rstrip("/"),
        )

    def __repr__(self) -> str:
        return (
            f"Settings(ocm_url={self.ocm_url!r}, client_id={self.client_id!r}, "
            f"token_url={self.token_url!r}, backplane_url={self.backplane_url!r})"
        )
