"""cad-lease through its entry point, against the sandbox's simulated cluster (hostkube)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cad_core.errors import BadInputError
from cad_core.plugins.registrations import LockProvider
from cad_core.plugins.registry import build_registry
from cad_core.run.locks import LockError, LockUnavailable, lock_name

SCENARIO: dict[str, Any] = {"name": "leases"}
NAMESPACE = "cad"


@pytest.fixture
def provider() -> LockProvider:
    """The provider as an installed CAD finds it: through the entry point group ``cad``."""
    registry = build_registry()
    item: LockProvider = registry.unique("cad_lock_providers")["lease"].item
    assert registry.unique("cad_lock_providers")["lease"].plugin.distribution == "cad-lease"
    return item


@pytest.fixture
def hostkube(sandbox: Any, sandbox_env: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    box = sandbox(SCENARIO)
    sandbox_env(box)
    monkeypatch.setenv("CAD_LEASE_DURATION_SECONDS", "3")
    return box


@pytest.fixture
def api(hostkube: Any) -> Iterator[Callable[..., requests.Response]]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {os.environ['CAD_LEASE_TOKEN']}"
    base = f"{os.environ['CAD_LEASE_API_URL']}/apis/coordination.k8s.io/v1/namespaces/{NAMESPACE}"

    def call(method: str, path: str = "", **kwargs: Any) -> requests.Response:
        return session.request(method, f"{base}/leases{path}", timeout=10, **kwargs)

    yield call
    session.close()


def lease_body(name: str, holder: str = "someone") -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30},
    }


def test_the_simulator_answers_conflicts_as_the_apiserver_does(api: Any) -> None:
    created = api("POST", json=lease_body("a"))
    assert created.status_code == 201
    version = created.json()["metadata"]["resourceVersion"]
    again = api("POST", json=lease_body("a"))
    assert again.status_code == 409 and again.json()["reason"] == "AlreadyExists"
    updated = api("PUT", "/a", json=created.json())
    assert updated.status_code == 200 and updated.json()["metadata"]["resourceVersion"] != version
    stale = api("PUT", "/a", json=created.json())
    assert stale.status_code == 409
    assert stale.json()["kind"] == "Status" and stale.json()["reason"] == "Conflict"
    precondition = {"preconditions": {"resourceVersion": version}}
    assert api("DELETE", "/a", json=precondition).status_code == 409
    assert api("DELETE", "/a").status_code == 200
    assert api("GET", "/a").json()["reason"] == "NotFound"
    assert api("GET", "/a", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_a_held_lease_makes_others_wait_and_is_deleted_on_release(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    release = provider.acquire("incident:Q1", 0)
    try:
        lease = api("GET", f"/{lock_name('incident:Q1')}").json()
        assert lease["metadata"]["annotations"]["cad.openshift.io/lock-key"] == "incident:Q1"
        assert lease["spec"]["leaseDurationSeconds"] == 3
        with pytest.raises(LockUnavailable, match=r"holds this incident \(Q1\)"):
            provider.acquire("incident:Q1", 0.2)
    finally:
        release()
    assert api("GET").json()["items"] == []
    provider.acquire("incident:Q1", 0)()


def test_the_holder_renews_its_lease_while_it_holds_it(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    name = lock_name("cluster:2abc")
    release = provider.acquire("cluster:2abc", 0)
    try:
        first = api("GET", f"/{name}").json()["spec"]["renewTime"]
        for _ in range(200):  # bounded: renewal is due every second with a 3 s lease
            if api("GET", f"/{name}").json()["spec"]["renewTime"] != first:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the lease was never renewed")
        with pytest.raises(LockUnavailable):
            provider.acquire("cluster:2abc", 0)
    finally:
        release()


def test_a_holder_killed_with_sigkill_is_taken_over_once_its_lease_expires(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    holder = hold_in_another_process("incident:Q1")
    name = lock_name("incident:Q1")
    try:
        dead = api("GET", f"/{name}").json()
        holder.send_signal(signal.SIGKILL)  # no clean-up runs: the Lease stays behind
        holder.wait()
        release = provider.acquire("incident:Q1", 30)  # waits out the 3 s lease
    finally:
        holder.kill()
    try:
        ours = api("GET", f"/{name}").json()
        assert ours["spec"]["holderIdentity"] != dead["spec"]["holderIdentity"]
        assert ours["spec"]["leaseTransitions"] == 1
    finally:
        release()


def hold_in_another_process(key: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A process holding ``key``'s Lease (renewing it) until it is killed."""
    code = (
        "import sys\n"
        "from cad_core.plugins.registry import build_registry\n"
        "provider = build_registry().unique('cad_lock_providers')['lease'].item\n"
        f"release = provider.acquire({key!r}, 10)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_refusing_api_is_a_lock_error_not_a_wait(
    provider: LockProvider, hostkube: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAD_LEASE_TOKEN", "not-the-token")
    with pytest.raises(LockError, match="refused GET on Lease cad/.*HTTP 401"):
        provider.acquire("incident:Q1", 5)


def test_settings_come_from_the_service_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cad_lease.settings import load_settings

    for name in (
        "CAD_LEASE_API_URL",
        "CAD_LEASE_TOKEN",
        "CAD_LEASE_NAMESPACE",
        "CAD_LEASE_CA_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(BadInputError, match="CAD_LEASE_API_URL, CAD_LEASE_NAMESPACE"):
        load_settings(tmp_path)
    (tmp_path / "token").write_text("t0ken\n")
    (tmp_path / "namespace").write_text("cad\n")
    (tmp_path / "ca.crt").write_text("")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    settings = load_settings(tmp_path)
    assert settings.api_url == "https://[fd00::1]:6443" and settings.namespace == "cad"
    assert settings.bearer() == "t0ken" and settings.verify == str(tmp_path / "ca.crt")
    (tmp_path / "token").write_text("rotated")
    assert settings.bearer() == "rotated"
    monkeypatch.setenv("CAD_LEASE_DURATION_SECONDS", "1")
    with pytest.raises(BadInputError, match="at least 3"):
        load_settings(tmp_path)


def plant_a_dead_holders_lease(api: Any, key: str) -> str:
    """A 3 s Lease last renewed years ago (by the holder's clock); returns its name."""
    name = lock_name(key)
    stale = lease_body(name, holder="a-pod-that-died")
    stale["spec"]["renewTime"] = "2020-01-01T00:00:00.000000Z"
    stale["spec"]["leaseDurationSeconds"] = 3
    assert api("POST", json=stale).status_code == 201
    return name


def test_of_runs_taking_over_an_expired_lease_at_once_exactly_one_wins(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    name = plant_a_dead_holders_lease(api, "incident:Q1")

    def try_once(_: int) -> Callable[[], None] | None:
        # Each waits until it has seen the Lease unchanged for its 3 s, then all try at once.
        try:
            return provider.acquire("incident:Q1", 4.5)
        except LockUnavailable:
            return None

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(try_once, range(4)))
    winners = [release for release in results if release is not None]
    assert len(winners) == 1
    assert api("GET", f"/{name}").json()["spec"]["leaseTransitions"] == 1
    winners[0]()


def test_an_old_renew_time_alone_never_makes_a_lease_expired(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    # renewTime is the holder's clock; ours may run ahead of it. Only a Lease we have seen
    # unchanged for its whole duration is taken over.
    plant_a_dead_holders_lease(api, "incident:Q1")
    with pytest.raises(LockUnavailable):
        provider.acquire("incident:Q1", 1)
    started = time.monotonic()
    provider.acquire("incident:Q1", 10)()
    assert time.monotonic() - started >= 3


def test_the_fence_passes_while_held_and_fails_once_taken_over(
    provider: LockProvider, hostkube: Any, api: Any
) -> None:
    from cad_core.run.locks import LockLost

    release: Any = provider.acquire("incident:Q1", 0)
    try:
        release.fence()  # plenty of time left: no request at all
        name = lock_name("incident:Q1")
        lease = api("GET", f"/{name}").json()
        lease["spec"]["holderIdentity"] = "a-run-that-took-over"
        assert api("PUT", f"/{name}", json=lease).status_code == 200
        release.valid_until = time.monotonic()  # as after a stall: the fence must ask
        with pytest.raises(LockLost, match="no longer holds this incident"):
            release.fence()
    finally:
        release()
    assert api("GET", f"/{lock_name('incident:Q1')}").status_code == 200  # not ours to delete


def test_expiry_is_renew_time_plus_duration() -> None:
    from datetime import UTC, datetime

    from cad_lease.lease import expired, micro_time

    now = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    spec = {"renewTime": "2026-01-01T12:00:00.000000Z", "leaseDurationSeconds": 20}
    assert expired(spec, now)
    assert not expired({**spec, "leaseDurationSeconds": 40}, now)
    assert not expired(
        {**spec, "renewTime": "2026-01-01T12:00:00"} | {"leaseDurationSeconds": 40}, now
    )
    assert expired({"holderIdentity": "x"}, now)  # no time at all: nobody can prove it
    assert micro_time(now) == "2026-01-01T12:00:30.000000Z"
