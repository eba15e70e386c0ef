"""A throwaway certificate authority for the simulators' HTTPS.

Some clients refuse plain-HTTP base URLs, so every simulator speaks TLS with a certificate
from a CA made at start-up; clients trust it through ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE`` (and a simulator's own CA setting) pointing at the PEM file written
here.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import trustme

SERVER_NAMES = ("127.0.0.1", "localhost")


class ThrowawayCA:
    """One CA and one loopback server certificate, alive as long as this object."""

    def __init__(self) -> None:
        self._ca = trustme.CA(organization_name="CAD sandbox (throwaway)")
        self._server_cert = self._ca.issue_cert(*SERVER_NAMES)

    def write_ca_pem(self, folder: Path) -> Path:
        """Write the CA certificate where clients can be told to trust it; return its path."""
        path = folder / "cad-sandbox-ca.pem"
        self._ca.cert_pem.write_to_path(str(path))
        return path

    def write_trust_bundle(self, folder: Path) -> Path:
        """The system's trusted CAs plus this CA, in one PEM file; return its path.

        Clients are pointed at this bundle, not at the CA alone, so a plugin's HTTPS calls
        to real hosts keep working during a sandbox run: the CA is added, not substituted.
        """
        path = folder / "cad-sandbox-trust.pem"
        parts = [Path(source).read_text(encoding="ascii", errors="ignore") for source in _system()]
        parts.append(self._ca.cert_pem.bytes().decode("ascii"))
        path.write_text("\n".join(part.strip() + "\n" for part in parts), encoding="ascii")
        return path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting the loopback certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._server_cert.configure_cert(context)
        return context


def _system() -> list[str]:
    """The PEM files the system trusts: the caller's SSL_CERT_FILE, else OpenSSL's default
    file, else certifi's (whichever exists first)."""
    candidates = [os.environ.get("SSL_CERT_FILE", ""), ssl.get_default_verify_paths().cafile or ""]
    try:
        import certifi

        candidates.append(certifi.where())
    except ImportError:  # certifi comes with requests; without it, the system file must do
        pass
    return [path for path in candidates if path and os.path.isfile(path)][:1]
