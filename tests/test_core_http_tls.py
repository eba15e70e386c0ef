"""One TLS context per trust bundle per process, shared by requests, botocore and httpx.

The count comes from the standard library, never from our code: a child process wraps
``ssl.SSLContext.load_verify_locations`` (and ``load_default_certs``) before it starts the
real ``cad`` and reports every bundle it was asked to parse. Trust is checked against real
HTTPS servers on loopback with certificates from trustme.
"""

from __future__ import annotations

import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from cad_core.http import session, tls_context
from cad_ocm.http import new_session

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCENARIOS = ("chgm-customer-stopped-instances", "cmbb-monitoring-healthy")
COUNTING = """
import atexit, json, os, ssl, sys
loads = []
real_load, real_default = ssl.SSLContext.load_verify_locations, ssl.SSLContext.load_default_certs
def load_verify_locations(self, cafile=None, capath=None, cadata=None):
    loads.append(str(cafile or capath or "cadata"))
    return real_load(self, cafile, capath, cadata)
def load_default_certs(self, *args):
    loads.append("default certs")
    return real_default(self, *args)
ssl.SSLContext.load_verify_locations = load_verify_locations
ssl.SSLContext.load_default_certs = load_default_certs
atexit.register(lambda: open(os.environ["COUNT_TO"], "w").write(json.dumps(loads)))
from cad_core.cli.commands import main
main(sys.argv[1:])
"""


@pytest.mark.skipif(not SHARED.exists(), reason="needs the shared scenarios beside the repo")
@pytest.mark.parametrize("name", SCENARIOS)
def test_a_sandbox_run_parses_its_trust_bundle_once(name: str, tmp_path: Path) -> None:
    """The sandbox names one bundle in SSL_CERT_FILE, REQUESTS_CA_BUNDLE and AWS_CA_BUNDLE:
    SSO, OCM, backplane (requests), EC2 and CloudTrail (botocore) and PagerDuty (httpx)
    all verify with one parse of it."""
    count_to = tmp_path / "loads.json"
    env = {**os.environ, "COUNT_TO": str(count_to), "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "1"}
    scenario = SHARED / "scenarios" / f"{name}.yaml"
    result = subprocess.run(
        [sys.executable, "-c", COUNTING, "sandbox", "run", "--check", str(scenario)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loads = Counter(json.loads(count_to.read_text()))
    bundles = [path for path in loads if path.endswith(".pem") or path.endswith(".crt")]
    assert bundles, loads  # the run did verify through a bundle
    assert all(loads[path] == 1 for path in bundles), loads
    assert sum(loads.values()) <= 2, loads  # the sandbox's bundle, at most one other


class Ok(http.server.BaseHTTPRequestHandler):
    """Answers anything with an empty EC2 DescribeInstances reply."""

    BODY = (
        b'<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        b"<requestId>r</requestId><reservationSet/></DescribeInstancesResponse>"
    )

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        self.wfile.write(self.BODY)

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
        return f"https://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every bundle the standard library is asked to parse while the test runs."""
    loads: Counter[str] = Counter()
    real = ssl.SSLContext.load_verify_locations

    def counting(
        self: ssl.SSLContext, cafile: Any = None, capath: Any = None, cadata: Any = None
    ) -> None:
        loads[str(cafile or capath)] += 1
        real(self, cafile, capath, cadata)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    return loads


def _ec2(url: str) -> Any:
    from cad_ocm.awsclients import shared_client

    os.environ["AWS_ENDPOINT_URL"] = url
    return shared_client("ec2", "us-east-1", ("AKIDEXAMPLE", "secret", f"token-{url}"))


def _pagerduty_get(url: str) -> None:
    from cad_pagerduty.client import forget_clients, rest_client

    os.environ.update(CAD_PD_URL=url, CAD_PD_TOKEN="t0ken", CAD_PD_FROM="cad@example.com")
    forget_clients()
    rest_client().get("/incidents")


def _chain(error: BaseException | None) -> str:
    """The texts of an error and every error it was raised from."""
    texts = []
    while error is not None:
        texts.append(f"{type(error).__name__}: {error}")
        error = error.__cause__ or error.__context__
    return " <- ".join(texts)


def test_each_library_trusts_its_own_bundle_and_shares_a_context_per_bundle(
    https_server: Callable[[trustme.CA, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parsed: Counter[str],
) -> None:
    """AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE and SSL_CERT_FILE naming different CAs: each client
    accepts exactly the servers its own setting trusts, and each bundle is parsed once."""
    import botocore.exceptions

    aws_ca, web_ca = trustme.CA(), trustme.CA()
    aws_url, web_url = https_server(aws_ca, "127.0.0.1"), https_server(web_ca, "127.0.0.1")
    aws_pem, web_pem = tmp_path / "aws.pem", tmp_path / "web.pem"
    aws_ca.cert_pem.write_to_path(str(aws_pem))
    web_ca.cert_pem.write_to_path(str(web_pem))
    for name, value in (("AWS_CA_BUNDLE", aws_pem), ("SSL_CERT_FILE", web_pem)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(web_pem))
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_url)
    for name in ("CAD_PD_URL", "CAD_PD_TOKEN", "CAD_PD_FROM", "NO_PROXY"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    for _ in range(2):  # two clients and two sessions: still one parse per bundle
        assert _ec2(aws_url).describe_instances()["Reservations"] == []
        assert session(web_url).get("/").ok
    with pytest.raises(botocore.exceptions.SSLError):
        _ec2(web_url).describe_instances()  # AWS_CA_BUNDLE does not name the web CA
    with pytest.raises(Exception, match="certificate verify failed"):
        session(aws_url).get("/")  # nor does REQUESTS_CA_BUNDLE name the AWS one
    _pagerduty_get(web_url)
    with pytest.raises(Exception) as refused:
        _pagerduty_get(aws_url)  # SSL_CERT_FILE names the web CA only
    assert "CERTIFICATE_VERIFY_FAILED" in _chain(refused.value)
    assert parsed[str(aws_pem)] == 1 and parsed[str(web_pem)] == 1, parsed
    assert tls_context(str(web_pem)) is tls_context(str(web_pem))


def test_a_certificate_for_another_host_is_refused_by_every_client(
    https_server: Callable[[trustme.CA, str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.exceptions

    ca = trustme.CA()
    url = https_server(ca, "somewhere-else.example")
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    for name in ("AWS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.setenv(name, str(pem))
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    with pytest.raises(botocore.exceptions.SSLError):
        _ec2(url).describe_instances()
    with pytest.raises(Exception, match="certificate verify failed|hostname|match"):
        session(url).get("/")
    for name in ("CAD_PD_URL", "CAD_PD_TOKEN", "CAD_PD_FROM"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    with pytest.raises(Exception) as refused:
        _pagerduty_get(url)
    assert "CERTIFICATE_VERIFY_FAILED" in _chain(refused.value)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_requests_without_verification_never_gets_the_shared_context(
    https_server: Callable[[trustme.CA, str], str],
) -> None:
    url = https_server(trustme.CA(), "127.0.0.1")
    with session(url) as unverified:
        assert unverified.get("/", verify=False).ok
    context = tls_context(requests.certs.where())
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def bundle(ca: trustme.CA, path: Path) -> str:
    ca.cert_pem.write_to_path(str(path))
    return str(path)


# cad-ocm's own sessions (OCM, SSO, backplane, kube): the fenced adapter on the shared trust.
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


def test_cad_ocm_refuses_a_certificate_for_another_host(
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
    context = tls_context(path)
    assert tls_context(path) is context
    # The file is replaced (a rotated ConfigMap): the new CA is trusted from then on.
    url_second = https_server(second, "127.0.0.1")
    bundle(second, tmp_path / "ca.pem")
    with new_session() as session:
        assert session.get(url_second, verify=path, timeout=5).ok
    assert tls_context(path) is not context


def test_the_old_names_still_work_with_a_warning(tmp_path: Path) -> None:
    from cad_ocm import trust

    path = bundle(trustme.CA(), tmp_path / "ca.pem")
    with pytest.warns(DeprecationWarning, match="cad_core.http"):
        assert trust.trust_context(path, None) is tls_context(path)
    with pytest.warns(DeprecationWarning, match="cad_core.http"):
        assert issubclass(trust.SharedTrustAdapter, requests.adapters.HTTPAdapter)
