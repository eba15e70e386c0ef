"""Where the Leases live and who may write them: in-cluster config, with overrides.

In a pod, everything comes from the service account Kubernetes mounts: the API server
from ``KUBERNETES_SERVICE_HOST``/``_PORT``, and the token, CA and namespace files under
``/var/run/secrets/kubernetes.io/serviceaccount``. ``CAD_LEASE_*`` settings override each
part (tests, or a CAD outside the cluster).
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import attrs
from cad_core.errors import BadInputError, MissingSettingError
from cad_core.plugins.checks import url_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import setting

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
API_URL = "CAD_LEASE_API_URL"
TOKEN = "CAD_LEASE_TOKEN"
NAMESPACE = "CAD_LEASE_NAMESPACE"
CA_FILE = "CAD_LEASE_CA_FILE"
DURATION = "CAD_LEASE_DURATION_SECONDS"
DEFAULT_DURATION = 60  # half of it (the write reserve) covers a 30 s request
MIN_DURATION = 3  # renewal runs every quarter of it; less would be mostly renewing


@attrs.frozen
class LeaseSettings:
    api_url: str
    namespace: str
    token: str | None  # given directly; else read from token_file on every request
    token_file: Path
    verify: str | bool  # a CA bundle path, or True for the default trust store
    duration: int

    def bearer(self) -> str:
        """The token; a projected service-account token rotates, so the file is read anew."""
        if self.token:
            return self.token
        try:
            return self.token_file.read_text().strip()
        except OSError as error:
            raise BadInputError(
                f"cannot read the service-account token {self.token_file}: {error.strerror}"
            ) from None


def load_settings(service_account: Path = SERVICE_ACCOUNT) -> LeaseSettings:
    """Settings from the environment and the service account; BadInputError names gaps."""
    given = {name: setting(declared) for name, declared in DECLARED.items()}
    api_url = given[API_URL] or _in_cluster_url()
    namespace = given[NAMESPACE] or _read(service_account / "namespace")
    token = given[TOKEN] or None
    token_file = service_account / "token"
    missing = [
        name
        for name, value in (
            (API_URL, api_url),
            (NAMESPACE, namespace),
            (TOKEN, token or (token_file.is_file() and "file")),
        )
        if not value
    ]
    if missing:
        raise MissingSettingError(
            missing, "the lease lock provider, outside a Kubernetes pod's service account"
        )
    ca = given[CA_FILE]
    verify: str | bool = ca or (
        str(service_account / "ca.crt") if (service_account / "ca.crt").is_file() else True
    )
    return LeaseSettings(
        api_url=api_url.rstrip("/"),
        namespace=namespace,
        token=token,
        token_file=token_file,
        verify=verify,
        duration=int(given[DURATION]),
    )


def holder_identity() -> str:
    """Who holds a lease: the pod (its host name), the process and this one acquisition."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _in_cluster_url() -> str:
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "").strip()
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "").strip() or "443"
    if not host:
        return ""
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _check_duration(value: str) -> None:
    if not value.isdigit() or int(value) < MIN_DURATION:
        raise ValueError(f"must be a whole number of at least {MIN_DURATION}")


# Every setting cad-lease reads, declared (plugin.py yields them) and read through these.
DECLARED = {
    declared.name: declared
    for declared in (
        Setting(
            API_URL,
            "the Kubernetes API server holding CAD's Leases (default: the pod's cluster)",
            check=url_check("https", "http"),
        ),
        Setting(
            TOKEN,
            "bearer token for that API server (default: the pod's service account)",
            secret=True,  # redacted everywhere
        ),
        Setting(NAMESPACE, "namespace of CAD's Leases (default: the service account's)"),
        Setting(CA_FILE, "CA bundle of that API server (default: the service account's)"),
        Setting(
            DURATION,
            "leaseDurationSeconds of each Lease (renewed every quarter of it)",
            check=_check_duration,
            default=str(DEFAULT_DURATION),
        ),
    )
}
