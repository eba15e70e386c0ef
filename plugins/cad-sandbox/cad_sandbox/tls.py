"""A throwaway certificate authority for the simulators' HTTPS.

The ``pagerduty`` client refuses plain-HTTP base URLs, so every simulator speaks TLS with a
certificate from a CA made at start-up; clients trust it through ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE`` and ``AWS_CA_BUNDLE`` pointing at the PEM file written here.
"""

from __future__ import annotations

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

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting the loopback certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._server_cert.configure_cert(context)
        return context
