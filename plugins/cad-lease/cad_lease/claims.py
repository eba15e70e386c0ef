"""The interceptor's replay window as Leases: one per delivery key, lasting the window.

Claiming a key: create the Lease named after it, holder the interceptor, duration the
window. It exists and ``renewTime + leaseDurationSeconds`` is ahead: the key was seen, so
its renewTime is moved to now (the window slides) and the claim fails. It exists but ran
out: take it over with a PUT carrying the ``resourceVersion`` read, so of two replicas
claiming at once exactly one wins. Every replica and every restart sees the same Leases.

Expired claims are deleted now and then by a list of the claim Leases (label
``app.kubernetes.io/component=replay-claim``), so they do not pile up in the namespace.
Trouble with the API is a LockError: the interceptor answers 503 and PagerDuty retries.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

import requests
from cad_core.run.locks import LockError, lock_name

from cad_lease.lease import (
    ApiTrouble,
    LeaseApi,
    expired,
    new_lease,
    renewed,
    taken_over,
)
from cad_lease.settings import holder_identity, load_settings

log = logging.getLogger("cad.lease")

COMPONENT = {"app.kubernetes.io/component": "replay-claim"}
SELECTOR = "app.kubernetes.io/managed-by=cad,app.kubernetes.io/component=replay-claim"
PURGE_EVERY_SECONDS = 300.0


class LeaseClaims:
    """A :class:`cad_core.run.claims.ClaimStore` of Leases in CAD's namespace."""

    def __init__(self) -> None:
        self.api = LeaseApi(load_settings())
        self.me = holder_identity()
        self.where = f"Leases in namespace {self.api.settings.namespace}"
        self._lock = threading.Lock()  # one requests.Session, used by the pool's threads
        self._purged = time.monotonic()

    def claim(self, key: str, seconds: float) -> bool:
        name, duration = claim_name(key), max(1, math.ceil(seconds))
        with self._lock:
            try:
                won = self._claim(name, key, duration)
                if time.monotonic() - self._purged > PURGE_EVERY_SECONDS:
                    self._purge()
            except ApiTrouble as error:
                raise LockError(f"cannot keep the replay claim {name}: {error}") from None
        return won

    def _claim(self, name: str, key: str, duration: int) -> bool:
        lease = new_lease(name, key, self.me, duration)
        lease["metadata"]["labels"] = {**lease["metadata"]["labels"], **COMPONENT}
        status, _ = self.api.call("POST", "", lease)
        if status == 201:
            return True
        status, current = self.api.call("GET", name)
        if status == 404:  # deleted in between: the next delivery claims it afresh
            return False
        if expired(current["spec"]):
            status, _ = self.api.call("PUT", name, taken_over(current, self.me, duration))
            return status == 200  # 409: another replica took it over first
        self.api.call("PUT", name, renewed(current))  # slide; a 409 means someone else did
        return False

    def release(self, key: str) -> None:
        with self._lock:
            try:
                self.api.call("DELETE", claim_name(key))
            except ApiTrouble as error:
                raise LockError(f"cannot drop the replay claim of {key}: {error}") from None

    def _purge(self) -> None:
        self._purged = time.monotonic()
        try:
            for lease in self._list():
                if expired(lease.get("spec") or {}):
                    self.api.call("DELETE", lease["metadata"]["name"], _unchanged(lease))
        except (ApiTrouble, LockError, requests.RequestException) as error:  # next time
            log.warning("could not delete expired replay claims: %s", error)

    def _list(self) -> list[dict[str, Any]]:
        response = self.api.session.get(
            self.api.base,
            params={"labelSelector": SELECTOR},
            headers={"Authorization": f"Bearer {self.api.settings.bearer()}"},
            timeout=(5.0, 10.0),
            verify=self.api.settings.verify,
        )
        if response.status_code != 200:
            raise LockError(f"listing replay claims: HTTP {response.status_code}")
        items = response.json().get("items") or []
        labels = COMPONENT.items()
        return [i for i in items if labels <= (i["metadata"].get("labels") or {}).items()]


def claim_name(key: str) -> str:
    return lock_name(f"replay:{key}")


def _unchanged(lease: dict[str, Any]) -> dict[str, Any]:
    version = lease["metadata"].get("resourceVersion")
    return {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "preconditions": {"resourceVersion": version},
    }
