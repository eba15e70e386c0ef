"""Fixtures shared by the PagerDuty plugin's tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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
    from cad_core.plugins import build_registry

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
