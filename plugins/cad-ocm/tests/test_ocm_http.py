"""Token flow and error mapping of the real clients over loopback HTTP."""

from __future__ import annotations

import base64
import logging
import socket
import time

import pytest
from cad_core.errors import NotFoundError, PermanentError, TransientError
from cad_core.run.context import Resources

import cad_ocm.http
from cad_ocm.http import ClientCredentialsToken, new_session
from cad_ocm.ocm import OcmClient
from cad_ocm.settings import Settings

PATH = "/api/clusters_mgmt/v1/clusters/abc"
SECRET = "s3cr3t-value"


@pytest.fixture
def ocm(fake, ocm_registry):
    resources = Resources(ocm_registry.resources(), cluster_id="abc")
    yield resources.get("ocm")
    resources.close()


def test_client_credentials_token_is_fetched_once_and_sent_as_bearer(fake, ocm) -> None:
    fake.route("GET", PATH, body={"id": "abc"})
    assert ocm.get(PATH) == {"id": "abc"}
    assert ocm.get(PATH) == {"id": "abc"}
    [token_call] = fake.token_calls()
    assert token_call.method == "POST"
    assert token_call.form() == {
        "grant_type": "client_credentials",
        "client_id": "cad-test-client",
        "scope": "openid",
    }
    basic = base64.b64encode(f"cad-test-client:{SECRET}".encode()).decode()
    assert token_call.headers["Authorization"] == f"Basic {basic}"
    assert [c.bearer for c in fake.calls()] == ["token-1", "token-1"]


def test_token_is_renewed_before_it_expires(fake) -> None:
    now = [1000.0]  # the client's clock, moved by hand: no sleeping, no race
    client = OcmClient(Settings.from_env(), clock=lambda: now[0])
    fake.expires_in = 300  # renewed 10 % (30 s) before expiry
    fake.route("GET", PATH, body={})
    try:
        client.get(PATH)
        now[0] += 269
        client.get(PATH)
        now[0] += 2
        client.get(PATH)
    finally:
        client.close()
    assert [c.bearer for c in fake.calls()] == ["token-1", "token-1", "token-2"]


def test_renewal_time_uses_expires_in_with_a_margin(fake) -> None:
    now = [1000.0]
    tokens = ClientCredentialsToken(
        fake.url + "/token", "cad-test-client", SECRET, new_session(), clock=lambda: now[0]
    )
    assert tokens.token() == "token-1"
    now[0] += 900 - 61  # a 900 s token is renewed 60 s early
    assert tokens.token() == "token-1"
    now[0] += 2
    assert tokens.token() == "token-2"
    assert SECRET not in repr(tokens)


def test_a_401_gets_one_new_token_and_one_retry(fake, ocm) -> None:
    fake.route("GET", PATH, body={"ok": True})
    ocm.get(PATH)
    fake.revoked.add("token-1")  # revoked on the server side before it expired
    assert ocm.get(PATH) == {"ok": True}
    assert [c.bearer for c in fake.calls()] == ["token-1", "token-1", "token-2"]


def test_a_persistent_401_names_the_credential_not_the_secret(fake, ocm, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake.route("GET", PATH, status=401, body={"kind": "Error", "reason": "token rejected"})
    with pytest.raises(PermanentError) as caught:
        ocm.get(PATH)
    message = str(caught.value)
    assert "HTTP 401" in message and "token rejected" in message
    assert "CAD_OCM_CLIENT_ID" in message
    assert len(fake.calls()) == 2
    for secret in (SECRET, "token-1", "token-2"):
        assert secret not in message and secret not in caplog.text


def test_a_refused_client_secret_is_a_clear_permanent_error(fake, ocm, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake.token_status = 401
    with pytest.raises(PermanentError) as caught:
        ocm.get(PATH)
    assert "CAD_OCM_CLIENT_SECRET" in str(caught.value)
    assert "Invalid client credentials" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in caplog.text
    assert fake.calls() == []


def test_a_429_is_transient_with_retry_after_after_one_request(fake, ocm) -> None:
    fake.route("GET", PATH, status=429, body={"reason": "slow down"}, headers={"Retry-After": "3"})
    with pytest.raises(TransientError) as caught:
        ocm.get(PATH)
    assert caught.value.retry_after == 3.0
    assert caught.value.status == 429
    assert len(fake.calls()) == 1  # no retry below the engine


def test_a_5xx_is_transient_after_one_request(fake, ocm) -> None:
    fake.route("GET", PATH, status=503, body={"kind": "Error", "reason": "maintenance"})
    with pytest.raises(TransientError, match="HTTP 503: maintenance"):
        ocm.get(PATH)
    assert len(fake.calls()) == 1


def test_404_is_not_found_and_other_4xx_carry_ocms_reason(fake, ocm) -> None:
    with pytest.raises(NotFoundError, match="HTTP 404"):
        ocm.get("/api/clusters_mgmt/v1/clusters/nope")
    fake.route(
        "POST",
        PATH,
        status=400,
        body={"kind": "Error", "code": "CLUSTERS-MGMT-400", "reason": "summary is too long"},
    )
    with pytest.raises(PermanentError, match="HTTP 400: summary is too long") as caught:
        ocm.post(PATH, {"summary": "x"})
    assert not isinstance(caught.value, NotFoundError)


def test_connection_refused_is_transient(monkeypatch: pytest.MonkeyPatch, ocm_registry) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    for name, value in {
        "CAD_OCM_URL": url,
        "CAD_OCM_TOKEN_URL": url + "/token",
        "CAD_OCM_CLIENT_ID": "id",
        "CAD_OCM_CLIENT_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    ocm = Resources(ocm_registry.resources()).get("ocm")
    with pytest.raises(TransientError, match="could not connect") as caught:
        ocm.get(PATH)
    assert SECRET not in str(caught.value)


def test_a_slow_server_times_out_as_transient(fake, ocm, monkeypatch) -> None:
    monkeypatch.setattr(cad_ocm.http, "TIMEOUT", 0.2)

    def slow(seen):
        time.sleep(0.6)
        return 200, {}, {}

    fake.handle("GET", PATH, slow)
    with pytest.raises(TransientError, match="timed out"):
        ocm.get(PATH)
