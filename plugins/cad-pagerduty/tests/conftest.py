"""Fixtures shared by the PagerDuty plugin's tests."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

# Copies of the shared reference payloads; each has a .source.txt naming where it is from.
REFERENCE = Path(__file__).parent / "data"


@pytest.fixture
def reference() -> Callable[[str], Any]:
    """Load ``<name>.json`` from the reference payloads (a fresh copy each time)."""

    def load(name: str) -> Any:
        return copy.deepcopy(json.loads((REFERENCE / f"{name}.json").read_text()))

    return load


@pytest.fixture
def pd_registry() -> Any:
    """The registry as an installed CAD builds it: plugins found through entry points."""
    from cad_core.plugins.registry import build_registry

    registry = build_registry(entry_points=True)
    assert registry.plugins["pagerduty"].status == "loaded", registry.plugins["pagerduty"].error
    return registry


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """Each test gets its own client, so a simulator that stopped is never reused."""
    from cad_pagerduty.client import forget_clients

    forget_clients()
    yield
    forget_clients()


INCIDENT_ID = "Q1CADTEST00001"
CLUSTER_ID = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"


def _scenario(
    *,
    incident: dict[str, Any] | None = None,
    alerts: list[dict[str, Any]] | None = None,
    faults: list[dict[str, Any]] | None = None,
    webhook: str = "v3",
    silent_policy: str = "PSILENT",
    latency: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A scenario (DESIGN §7) holding just one PagerDuty incident."""
    seed = {
        "id": INCIDENT_ID,
        "title": "cluster-a has gone missing",
        "service": {"id": "PSVC001", "summary": "prod-deadmanssnitch"},
    }
    return {
        "name": "pagerduty-plugin",
        "pagerduty": {
            "incident": {**seed, **(incident or {})},
            "alerts": [{"details": {"cluster_id": CLUSTER_ID}}] if alerts is None else alerts,
            "webhook": webhook,
            "silent_policy": silent_policy,
        },
        "faults": faults or [],
        **({"latency_ms": latency} if latency else {}),
    }


@pytest.fixture
def pd_sandbox(sandbox: Any, sandbox_env: Any) -> Callable[..., Any]:
    """``pd_sandbox(**pd_scenario options)``: a running PagerDuty simulator, with the
    environment (CAD_PD_URL, CAD_PD_TOKEN, CAD_PD_FROM, SSL_CERT_FILE, ...) pointing at it."""

    def start(**options: Any) -> Any:
        box = sandbox(_scenario(**options))
        sandbox_env(box)
        return box

    return start


@pytest.fixture
def pd_scenario() -> Callable[..., dict[str, Any]]:
    """``pd_scenario(incident=..., alerts=..., faults=..., ...)``: the scenario dict."""
    return _scenario


def pd_requests(box: Any) -> list[tuple[str, str, Any]]:
    return [
        (r["method"], r["path"], r["status"]) for r in box.requests if r["service"] == "pagerduty"
    ]


@pytest.fixture
def requests_of() -> Callable[[Any], list[tuple[str, str, Any]]]:
    """``requests_of(box)``: the simulator's PagerDuty request log as (method, path, status)."""
    return pd_requests


# --- `cad interceptor` as a real process (waitress, real sockets) -------------------------

INCIDENT = "PGR0VU2"
SECRET = "interceptor-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Interceptor:
    def __init__(self, process: subprocess.Popen[str], port: int, health: int, box: Any) -> None:
        self.process, self.port, self.health, self.box = process, port, health, box
        self.url = f"http://127.0.0.1:{port}/"
        self.ready = f"http://127.0.0.1:{health}/ready"

    def peak_rss(self) -> int:
        """VmHWM: the most resident memory the process has had, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM")

    def post(self, body: bytes, headers: dict[str, list[str]], **kw: Any) -> requests.Response:
        envelope = {"body": body.decode(), "header": headers}
        return requests.post(self.url, json=envelope, **{"timeout": 60, **kw})

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        return err


@pytest.fixture
def interceptor(
    pd_sandbox: Callable[..., Any], tmp_path: Path
) -> Iterator[Callable[..., Interceptor]]:
    started: list[Interceptor] = []

    def start(
        title: str = "bump in the road",
        env: dict[str, str] | None = None,
        box: Any = None,
        **pd: Any,
    ) -> Interceptor:
        """A new process; ``box``: the sandbox of an earlier one (a restart, a replica)."""
        box = box or pd_sandbox(
            incident={"id": INCIDENT, "title": "A little bump in the road"}, **pd
        )
        config = tmp_path / "routing.yaml"
        config.write_text(f"alerts:\n  - alert_title: {title}\n    investigations: [precheck]\n")
        port, health = free_port(), free_port()
        settings = {
            **os.environ,
            "PD_SIGNATURE": SECRET,
            "CAD_INVESTIGATION_CONFIG_PATH": str(config),
            "CAD_RETRY_MAX_ATTEMPTS": "1",
            **(env or {}),
        }
        command = [
            sys.executable,
            "-c",
            "from cad_core.cli.commands import main; main()",
            "interceptor",
        ]
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--health-port", str(health)],
            env=settings,
            stderr=subprocess.PIPE,
            text=True,
        )
        served = Interceptor(process, port, health, box)
        started.append(served)
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(f"cad interceptor exited: {process.communicate()[1]}")
            try:
                if requests.get(served.ready, timeout=5).ok:
                    return served
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("cad interceptor never became ready")

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate()


@pytest.fixture
def cad() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cad(*args, env=...)``: the `cad` command as a process, its output captured."""

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    return run
