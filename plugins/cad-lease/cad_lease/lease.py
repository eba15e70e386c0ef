"""Run locks as ``coordination.k8s.io/v1`` Leases, with plain ``requests``.

Taking a lock: read the Lease named after the key. None: create it (a 409 means another
run created it first). Held by someone else: wait and look again. Free, or expired
because its holder died: take it over with a PUT carrying the ``resourceVersion`` we
read, so of two runs taking over at once the apiserver lets exactly one win (the other
gets 409 and looks again).

Expired means *this process has seen the same resourceVersion for a whole
leaseDurationSeconds of its own monotonic clock* (as client-go's leader election
judges it), never ``renewTime`` against our wall clock: the holder wrote ``renewTime``
with its clock, and a contender whose clock runs ahead would take over a live lease.
Only the rate of the two clocks matters now, not their offset.

While held, a background thread renews it every quarter of its duration; when the plan
is done the Lease is deleted, on the condition that it is still the version we wrote.

Fencing: the holder knows, by its own monotonic clock, a time before which nobody can
have taken the Lease over: the moment it *sent* its last successful write of the Lease
plus ``leaseDurationSeconds`` (a contender saw that version no earlier than it was
written, and waits a full duration after seeing it). ``HeldLease.fence`` (called by the
engine before every write) passes while at least half the duration is left before that
time; with less it renews first (one round trip, rare: the renewer keeps three quarters
left), and raises LockLost if the Lease is gone or the renewal fails. A holder stopped
past its lease (SIGSTOP, a long GC pause, a frozen VM) finds its time run out when it
wakes and writes nothing. Half the duration (30 s by default) covers the longest single
write attempt: one request, bounded by the plugins' 30 s timeout. What no client-side
check can close is a stall between the last check (cad-ocm makes it in its transport,
through ``cad_core.run.locks.fence_write``) and the request leaving the socket; that needs a
fencing token the remote side verifies, which OCM and PagerDuty do not offer.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from cad_core.errors import BadInputError, one_line
from cad_core.run.locks import LockError, LockLost, LockUnavailable, lock_name

from cad_lease.settings import MIN_DURATION, LeaseSettings, holder_identity, load_settings

log = logging.getLogger("cad.lease")

API = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
TIMEOUT = (5.0, 10.0)  # connect, read
POLL_FIRST, POLL_MAX = 0.05, 1.0
MANAGED_BY = {"app.kubernetes.io/managed-by": "cad"}
KEY_ANNOTATION = "cad.openshift.io/lock-key"
MAX_DURATION = 3600  # a Lease claiming longer is still taken over after an hour


class ApiTrouble(Exception):
    """A transient failure talking to the API server (connection, timeout, 429, 5xx)."""


def check_settings() -> None:
    load_settings()


def acquire(key: str, timeout: float) -> Callable[[], None]:
    """The provider's ``acquire``: hold the Lease for ``key`` or raise LockUnavailable.

    Returns the :class:`HeldLease`, callable to release it, with its ``fence``."""
    api = LeaseApi(load_settings())
    name, me = lock_name(key), holder_identity()
    deadline = time.monotonic() + timeout
    delay, why = POLL_FIRST, ""
    while True:
        try:
            sent = time.monotonic()  # before the write that may make it ours
            lease = api.try_take(name, key, me)
            if lease is not None:
                api.session.close()
                return HeldLease(api.settings, name, key, lease, me, sent)
            why = "held"
        except ApiTrouble as error:
            why = f"the Kubernetes API did not answer: {error}"
        except LockError:
            api.session.close()
            raise
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if why == "held":
                raise LockUnavailable(key, timeout, f"Lease {api.settings.namespace}/{name}")
            raise LockError(f"could not take the Lease for {key}: {why}")
        time.sleep(min(delay * random.uniform(0.5, 1.0), remaining))
        delay = min(delay * 2, POLL_MAX)


class LeaseApi:
    """The few Lease calls a lock needs; each maps the apiserver's answer to our errors."""

    def __init__(self, settings: LeaseSettings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.base = settings.api_url + API.format(namespace=settings.namespace)
        # name -> (resourceVersion, when we first saw it): how long it stayed unchanged
        self.seen: dict[str, tuple[str, float]] = {}

    def try_take(self, name: str, key: str, me: str) -> dict[str, Any] | None:
        """The Lease, now ours; or None when someone else holds it or won a race for it."""
        status, current = self.call("GET", name)
        if status == 404:
            status, lease = self.call("POST", "", new_lease(name, key, me, self.settings.duration))
            return lease if status == 201 else None  # 409: created by another run first
        holder = current["spec"].get("holderIdentity")
        if holder and not self.unchanged_for_a_lease(name, current):
            return None
        status, lease = self.call("PUT", name, taken_over(current, me, self.settings.duration))
        if status == 200 and holder:
            log.warning("took over Lease %s from %s, whose time had run out", name, holder)
        return lease if status == 200 else None  # 409: another run took it over first

    def unchanged_for_a_lease(self, name: str, lease: dict[str, Any]) -> bool:
        """Whether we have seen this very version for its whole duration (its holder is
        gone or stalled): judged by our monotonic clock alone, so clock skew cannot fool it."""
        version = str(lease["metadata"].get("resourceVersion", ""))
        now = time.monotonic()
        seen_version, since = self.seen.get(name, ("", now))
        if seen_version != version:
            self.seen[name] = (version, now)
            since = now
        return now - since >= lease_duration(lease["spec"], self.settings.duration)

    def call(self, method: str, name: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.base}/{name}" if name else self.base
        try:
            headers = {"Authorization": f"Bearer {self.settings.bearer()}"}
        except BadInputError as error:  # the token file vanished mid-run
            raise LockError(str(error)) from None
        try:
            response = self.session.request(
                method,
                url,
                json=body,
                headers=headers,
                timeout=TIMEOUT,
                verify=self.settings.verify,
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ApiTrouble(one_line(error)) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise ApiTrouble(f"{method} {url}: HTTP {response.status_code}")
        if response.status_code in (200, 201):
            return response.status_code, response.json()
        if response.status_code in (404, 409):
            return response.status_code, None
        raise LockError(  # 401, 403 (RBAC), 422: retrying will not help
            f"the Kubernetes API refused {method} on Lease {self.settings.namespace}/"
            f"{name or '(new)'}: HTTP {response.status_code} {_message(response)}"
        )


class HeldLease:
    """A Lease this process holds: renewed in the background until released.

    Calling it releases the Lease; ``fence()`` raises LockLost once it may be lost."""

    def __init__(
        self,
        settings: LeaseSettings,
        name: str,
        key: str,
        lease: dict[str, Any],
        me: str,
        sent: float,
    ) -> None:
        self.api = LeaseApi(settings)  # its own session: the renewer runs in another thread
        self.name, self.key, self.me, self.lease = name, key, me, lease
        self.lost = False
        self.valid_until = sent + settings.duration  # monotonic: nobody can take it before
        self.reserve = settings.duration / 2  # a write starts only with this much left
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._renewing = threading.Lock()  # the renewer and a fence never renew at once
        self._renewer = threading.Thread(target=self._renew_loop, name=f"lease-{name}", daemon=True)
        self._renewer.start()

    def __call__(self) -> None:
        self.release()

    def fence(self) -> None:
        """Raise LockLost unless the Lease is provably ours for the next ``reserve`` seconds.

        No round trip while plenty is left (the local monotonic check is safe: see the
        module's docstring); a renewal first when it is short, as after a stall."""
        if self.lost:
            raise LockLost(self.key, f"Lease {self.name} was taken over or deleted")
        if self.valid_until - time.monotonic() >= self.reserve:
            return
        try:
            self._renew()
        except (ApiTrouble, LockError) as error:
            raise LockLost(self.key, f"Lease {self.name} could not be renewed: {error}") from None
        left = self.valid_until - time.monotonic()
        if self.lost or left < self.reserve:
            why = "was taken over" if self.lost else f"has only {max(left, 0):.1f} s left"
            raise LockLost(self.key, f"Lease {self.name} {why}")

    def release(self) -> None:
        self._stop.set()
        self._renewer.join()
        if self.lost:
            self.api.session.close()
            return
        with self._lock:
            version = self.lease["metadata"]["resourceVersion"]
        options = {"kind": "DeleteOptions", "apiVersion": "v1"}
        options["preconditions"] = {"resourceVersion": version}  # type: ignore[assignment]
        try:
            self.api.call("DELETE", self.name, options)
        except (ApiTrouble, LockError) as error:  # it expires on its own
            log.warning("could not delete Lease %s: %s", self.name, error)
        finally:
            self.api.session.close()

    def _renew_loop(self) -> None:
        interval = self.api.settings.duration / 4
        while not self._stop.wait(interval):
            try:
                if not self._renew():
                    return
            except (ApiTrouble, LockError) as error:
                log.warning("renewing Lease %s failed (will try again): %s", self.name, error)

    def _renew(self) -> bool:
        with self._renewing:
            if self.lost:
                return False
            with self._lock:
                body = renewed(self.lease)
            sent = time.monotonic()
            status, lease = self.api.call("PUT", self.name, body)
            if status == 409:  # changed under us: still ours only if we are still the holder
                status, lease = self.api.call("GET", self.name)
                if status == 200 and lease["spec"].get("holderIdentity") == self.me:
                    with self._lock:
                        self.lease = lease  # adopted, but its time is not known: not extended
                    return True
                status = 409  # someone else's now (or gone): never adopt or delete it
            if status != 200:
                self.lost = True
                log.error(
                    "lost Lease %s: another CAD run may now write for the same key; this run "
                    "makes no further write under it",
                    self.name,
                )
                return False
            with self._lock:
                self.lease = lease
                self.valid_until = sent + self.api.settings.duration
            return True


def new_lease(name: str, key: str, me: str, duration: int) -> dict[str, Any]:
    now = micro_time()
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "labels": MANAGED_BY, "annotations": {KEY_ANNOTATION: key}},
        "spec": {
            "holderIdentity": me,
            "leaseDurationSeconds": duration,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": 0,
        },
    }


def taken_over(current: dict[str, Any], me: str, duration: int) -> dict[str, Any]:
    """The PUT body: ``current`` (with its resourceVersion) now held by ``me``."""
    now, spec = micro_time(), current["spec"]
    transitions = int(spec.get("leaseTransitions") or 0) + (1 if spec.get("holderIdentity") else 0)
    return {
        **current,
        "spec": {
            **spec,
            "holderIdentity": me,
            "leaseDurationSeconds": duration,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": transitions,
        },
    }


def renewed(lease: dict[str, Any]) -> dict[str, Any]:
    return {**lease, "spec": {**lease["spec"], "renewTime": micro_time()}}


def lease_duration(spec: dict[str, Any], fallback: int) -> float:
    """The holder's ``leaseDurationSeconds``, bounded; ours when it is unreadable."""
    try:
        seconds = float(spec.get("leaseDurationSeconds") or fallback)
    except (TypeError, ValueError):
        return float(fallback)
    return min(max(seconds, MIN_DURATION), MAX_DURATION)


def expired(spec: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether ``renewTime + leaseDurationSeconds`` is past by our wall clock.

    For logs and people only: takeover never trusts it (clock skew); see
    :meth:`LeaseApi.unchanged_for_a_lease`."""
    stamp = spec.get("renewTime") or spec.get("acquireTime")
    try:
        renewed_at = datetime.fromisoformat(str(stamp))
        duration = float(spec.get("leaseDurationSeconds") or 0)
    except ValueError:
        return True  # unreadable: nobody can prove they still hold it
    if renewed_at.tzinfo is None:
        renewed_at = renewed_at.replace(tzinfo=UTC)
    return renewed_at + timedelta(seconds=duration) < (now or datetime.now(UTC))


def micro_time(now: datetime | None = None) -> str:
    """Kubernetes MicroTime: RFC 3339 in UTC with microseconds."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except ValueError:
        return response.text[:300]
