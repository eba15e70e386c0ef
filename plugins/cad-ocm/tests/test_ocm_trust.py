"""The CA bundle is parsed once per process, and verification is exactly as strict.

A real HTTPS server on loopback (certificates from trustme), the real session CAD's OCM,
backplane and SSO clients use (``cad_ocm.http.new_session``).
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import trustme

from cad_ocm import trust
from cad_ocm.http import new_session


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server() -> Iterator[Callable[[trustme.CA, str], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(ca: trustme.CA, host: str) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(host).configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"https://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def bundle(ca: trustme.CA, path: Path) -> str:
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_a_server_signed_by_the_bundle_is_trusted_and_others_are_not(
    https_server: Callable[[trustme.CA, str], str], tmp_path: Path
) -> None:
    ours, stranger = trustme.CA(), trustme.CA()
    url = https_server(ours, "127.0.0.1")
    with new_session() as session:
        assert session.get(url, verify=bundle(ours, tmp_path / "ours.pem"), timeout=5).ok
        with pytest.raises(requests.exceptions.SSLError):
            session.get(url, verify=bundle(stranger, tmp_path / "other.pem"), timeout=5)
        with pytest.raises(requests.exceptions.SSLError):
            session.get(url, timeout=5)  # the default bundle does not know our CA


def test_a_certificate_for_another_host_is_refused(
    https_server: Callable[[trustme.CA, str], str], tmp_path: Path
) -> None:
    ca = trustme.CA()
    url = https_server(ca, "somewhere-else.example")
    with new_session() as session, pytest.raises(requests.exceptions.SSLError):
        session.get(url, verify=bundle(ca, tmp_path / "ca.pem"), timeout=5)


def test_the_bundle_is_parsed_once_and_again_when_it_changes(
    https_server: Callable[[trustme.CA, str], str], tmp_path: Path
) -> None:
    first, second = trustme.CA(), trustme.CA()
    path = bundle(first, tmp_path / "ca.pem")
    url_first = https_server(first, "127.0.0.1")
    for _ in range(2):  # two sessions, as two runs make: one context between them
        with new_session() as session:
            assert session.get(url_first, verify=path, timeout=5).ok
    context = trust.trust_context(path, None)
    assert sum(1 for key in trust._contexts if key[0] == path) == 1
    # The file is replaced (a rotated ConfigMap): the new CA is trusted from then on.
    url_second = https_server(second, "127.0.0.1")
    bundle(second, tmp_path / "ca.pem")
    with new_session() as session:
        assert session.get(url_second, verify=path, timeout=5).ok
    assert trust.trust_context(path, None) is not context
