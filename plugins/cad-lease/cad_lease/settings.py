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
    env = os.environ
    api_url = env.get(API_URL, "").strip() or _in_cluster_url()
    namespace = env.get(NAMESPACE, "").strip() or _read(service_account / "namespace")
    token = env.get(TOKEN, "").strip() or None
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
    ca = env.get(CA_FILE, "").strip()
    verify: str | bool = ca or (
        str(service_account / "ca.crt") if (service_account / "ca.crt").is_file() else True
    )
    return LeaseSettings(
        api_url=api_url.rstrip("/"),
        namespace=namespace,
        token=token,
        token_file=token_file,
        verify=verify,
        duration=_duration(),
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


def _duration() -> int:
    raw = os.environ.get(DURATION, "").strip()
    if not raw:
        return DEFAULT_DURATION
    if not raw.isdigit() or int(raw) < MIN_DURATION:
        raise BadInputError(f"{DURATION}={raw!r} must be a whole number of at least {MIN_DURATION}")
    return int(raw)
