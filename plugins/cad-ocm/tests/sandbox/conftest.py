"""Fixtures for the tests of cad-ocm's simulators (``cad_ocm/sandbox``): OCM, SSO,
backplane, kube and AWS, served by cad-sandbox (its ``sandbox`` and ``sandbox_env``
fixtures come from its pytest11 entry point) and driven over loopback HTTPS."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests

CLUSTER_ID = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
EXTERNAL_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b"
INFRA_ID = "cluster-a-x7k2p"

# One cluster as OCM, AWS (EC2, CloudTrail), its kube API and the egress verifier see it.
BASE_SCENARIO: dict[str, Any] = {
    "name": "unit",
    "ocm": {
        "clusters": [
            {
                "id": CLUSTER_ID,
                "external_id": EXTERNAL_ID,
                "name": "cluster-a",
                "infra_id": INFRA_ID,
                "nodes": {"master": 3, "infra": 2},
                "machine_pools": [
                    {"id": "worker", "replicas": 3},
                    {"id": "auto", "autoscaling": {"min_replicas": 1, "max_replicas": 4}},
                ],
                "service_logs": [{"summary": "Cluster upgraded", "timestamp": "-2d"}],
                "hibernation": [{"hibernated": "-5h", "resumed": "-1h"}],
            }
        ]
    },
    "aws": {
        "instances": [
            {
                "id": "i-0a0",
                "name": f"{INFRA_ID}-master-0",
                "state": "stopped",
                "stopped_at": "-40m",
            },
            {"id": "i-0a1", "name": f"{INFRA_ID}-master-1", "state": "running"},
            {"id": "i-0a2", "name": f"{INFRA_ID}-infra-0", "state": "running"},
            {"id": "i-0ff", "name": "other-cluster-worker-0", "state": "stopped"},
        ],
        "cloudtrail": [
            {"event": "StopInstances", "instances": ["i-0a0"], "at": "-40m", "username": "jdoe"},
            {
                "event": "TerminateInstances",
                "instances": ["i-0zz"],
                "at": "-3h",
                "username": "1234567789",
                "issuer": "cluster-a-openshift-machine-api-aws-cloud-credentials",
            },
        ],
    },
    "kube": {
        "clusteroperators": {
            "monitoring": {
                "conditions": [
                    {"type": "Available", "status": "False", "message": "broken"},
                    {"type": "Degraded", "status": "True", "reason": "UserWorkloadTasksFailed"},
                ]
            },
            "dns": {"conditions": [{"type": "Available", "status": "True"}]},
        }
    },
    "egress": {"result": "failure", "unreachable": ["nosnch.in:443", "quay.io:443"]},
}


@pytest.fixture
def ids() -> SimpleNamespace:
    """The identifiers of the base scenario."""
    return SimpleNamespace(cluster=CLUSTER_ID, external=EXTERNAL_ID, infra=INFRA_ID)


@pytest.fixture
def scenario_data() -> Callable[..., dict[str, Any]]:
    """``scenario_data(**top_level_overrides)``: a fresh copy of the base scenario dict."""

    def make(**overrides: Any) -> dict[str, Any]:
        data = copy.deepcopy(BASE_SCENARIO)
        data.update(copy.deepcopy(overrides))
        return data

    return make


@pytest.fixture
def running(sandbox: Any, sandbox_env: Any, scenario_data: Any) -> Callable[..., Any]:
    """``running(data=None, **options)``: a started sandbox (base scenario unless ``data``),
    with the environment pointed at it; options go to ``Sandbox``."""

    def start(data: dict[str, Any] | None = None, **options: Any) -> Any:
        box = sandbox(data if data is not None else scenario_data(), **options)
        sandbox_env(box)
        return box

    return start


@pytest.fixture
def ocm_session() -> Iterator[Callable[[], requests.Session]]:
    """Sessions with a token from the simulated SSO (backplane takes OCM's); closed after."""
    made: list[requests.Session] = []

    def make() -> requests.Session:
        made.append(new_session())
        return made[-1]

    yield make
    for session in made:
        session.close()


def new_session() -> requests.Session:
    reply = requests.post(
        os.environ["CAD_OCM_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["CAD_OCM_CLIENT_ID"],
            "client_secret": os.environ["CAD_OCM_CLIENT_SECRET"],
        },
        timeout=5,
    )
    reply.raise_for_status()
    token = reply.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 900
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    return session
