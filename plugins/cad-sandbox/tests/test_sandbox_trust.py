"""During a sandbox run, HTTPS to hosts other than the simulators keeps verifying.

A second, unrelated CA stands in for "the system's trust": it is what SSL_CERT_FILE names
before the sandbox starts. Inside the run, real `requests` calls must trust both it (an
outside service) and the sandbox CA (the simulators).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from cad_sandbox.commands import environment
from cad_sandbox.harness import Sandbox
from cad_sandbox.scenario import bundled_examples


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def outside_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An HTTPS server whose CA is the one SSL_CERT_FILE names (the 'system' trust)."""
    ca = trustme.CA(organization_name="somebody else's CA")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    system = tmp_path / "system.pem"
    ca.cert_pem.write_to_path(str(system))
    monkeypatch.setenv("SSL_CERT_FILE", str(system))
    yield f"https://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_sandbox_ca_is_added_to_the_system_trust(outside_service: str) -> None:
    scenario = bundled_examples()["chgm-customer-stopped-instances"]
    with Sandbox(scenario) as box, environment(box.env()):
        bundle = os.environ["REQUESTS_CA_BUNDLE"]
        assert os.environ["SSL_CERT_FILE"] == bundle != str(box.ca_path)
        assert requests.get(outside_service, timeout=10).text == "ok"
        assert requests.get(box.urls["pagerduty"] + "/abilities", timeout=10).status_code
