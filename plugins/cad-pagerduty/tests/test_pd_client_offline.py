"""The client's set-up, its bounded retries, settings, and the lazy import of `pagerduty`."""

from __future__ import annotations

import email.utils
import socket
import subprocess
import sys
import time

import httpx2
import pytest

from cad_core.errors import MissingSettingError, TransientError
from cad_pagerduty import client, settings
from cad_pagerduty.errors import retry_after


def test_loading_the_plugin_does_not_import_the_pagerduty_package():
    code = (
        "import sys\n"
        "from cad_core.plugins.registry import build_registry\n"
        "registry = build_registry(entry_points=True)\n"
        "assert registry.plugins['pagerduty'].status == 'loaded'\n"
        "print('pagerduty' in sys.modules, 'httpx2' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_entry_point_registers_the_source_and_four_executors(pd_registry):
    assert (
        pd_registry.unique("cad_alert_sources")["pagerduty"].plugin.distribution == "cad-pagerduty"
    )
    names = {
        t: pd_registry.executor_for(t).item.name
        for t in ("incident_note", "silence_incident", "escalate_incident", "incident_title")
    }
    assert names == {
        "incident_note": "pagerduty-note",
        "silence_incident": "pagerduty-silence",
        "escalate_incident": "pagerduty-escalate",
        "incident_title": "pagerduty-title",
    }


def test_the_client_retries_nothing_itself(monkeypatch):
    monkeypatch.setenv("CAD_PD_TOKEN", "t0k3n-for-test")
    monkeypatch.setenv("CAD_PD_URL", "https://127.0.0.1:9")
    monkeypatch.setenv("CAD_PD_FROM", "cad@example.com")
    rest = client.rest_client()
    assert (rest.retry, rest.max_http_attempts, rest.max_network_attempts) == ({429: 1}, -1, 0)
    assert rest.timeout == 30
    assert rest.url == "https://127.0.0.1:9"
    assert rest.headers["From"] == "cad@example.com"
    assert client.rest_client() is rest  # one per process and settings


def test_the_default_url_is_pagerduty(monkeypatch):
    monkeypatch.delenv("CAD_PD_URL", raising=False)
    assert settings.base_url() == "https://api.pagerduty.com"


def test_a_refused_connection_reaches_the_engine_as_transient_at_once(monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CAD_PD_URL", f"https://127.0.0.1:{port}")
    monkeypatch.setenv("CAD_PD_TOKEN", "t0k3n-for-test")
    started = time.monotonic()
    with pytest.raises(TransientError, match="could not reach PagerDuty for GET /incidents/Q1"):
        client.call("GET", "/incidents/Q1", "Q1")
    assert time.monotonic() - started < 1.0  # no hidden sleep-and-retry in the client


def test_a_plain_http_url_is_bad_input(monkeypatch):
    monkeypatch.setenv("CAD_PD_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CAD_PD_TOKEN", "t0k3n-for-test")
    with pytest.raises(Exception, match="CAD_PD_URL is not usable: .*https://"):
        client.call("GET", "/incidents/Q1", "Q1")


def test_writes_need_a_sender_before_anything_is_sent(monkeypatch):
    monkeypatch.setenv("CAD_PD_TOKEN", "t0k3n-for-test")
    monkeypatch.delenv("CAD_PD_FROM", raising=False)
    with pytest.raises(MissingSettingError, match="CAD_PD_FROM"):
        client.call("PUT", "/incidents", "Q1", json={}, write=True)


def test_the_silent_policy_is_named_when_missing(monkeypatch):
    monkeypatch.delenv("CAD_SILENT_POLICY", raising=False)
    with pytest.raises(MissingSettingError, match="CAD_SILENT_POLICY"):
        settings.silent_policy()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"ratelimit-reset": "7"}, 7.0),
        ({"ratelimit-reset": "3", "retry-after": "50"}, 3.0),
        ({"retry-after": "12"}, 12.0),
        ({"ratelimit-reset": "soon"}, None),
        ({}, None),
    ],
)
def test_server_delays(headers, expected):
    assert retry_after(httpx2.Headers(headers)) == expected


def test_retry_after_may_be_a_date():
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    delay = retry_after(httpx2.Headers({"Retry-After": when}))
    assert delay is not None and 15 <= delay <= 21
