"""The simulated world every simulator reads and changes, seeded from one scenario.

One lock guards all of it: simulators hold ``world.lock`` while they read or write, so a
request sees a consistent world and the final JSON is never half-written.
"""

from __future__ import annotations

import fnmatch
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cad_sandbox.extensions import latency_keys, sections_json, seed_sections, simulator_named
from cad_sandbox.scenario import Cluster, Fault, Scenario

DEFAULT_TIMEOUT_SLEEP_S = 35.0  # longer than the 30 s clients use, so a timeout fault bites


class WorldPathError(LookupError):
    """A dotted path names nothing in the world JSON."""


@dataclass
class ClusterState:
    seed: Cluster
    external_id: str
    service_logs: list[dict[str, Any]] = field(default_factory=list)
    limited_support_reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.seed.id

    @property
    def subscription_id(self) -> str:
        return f"sub-{self.seed.id}"

    @property
    def account_id(self) -> str:
        return f"acct-{self.seed.organization_id}-owner"


@dataclass
class _ActiveFault:
    fault: Fault
    remaining: int | None

    def matches(self, service: str, method: str, path: str) -> bool:
        spec = self.fault
        if spec.service != service or (spec.method and spec.method != method):
            return False
        return path == spec.path or fnmatch.fnmatchcase(path, spec.path)


class World:
    """Mutable state behind all simulators; thread-safe through :attr:`lock`."""

    def __init__(self, scenario: Scenario, options: dict[str, Any] | None = None) -> None:
        self.scenario = scenario
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self.timeout_sleep_s = DEFAULT_TIMEOUT_SLEEP_S
        # The harness's tuning the simulators read (e.g. a rate limit a test asks for).
        self.options: dict[str, Any] = dict(options or {})
        self.clusters = {c.id: _seed_cluster(c, scenario.now) for c in scenario.ocm.clusters}
        self.reports: list[dict[str, Any]] = []
        self.remediations: dict[str, str] = {}  # instance id -> cluster id
        self.management_remediations: set[str] = set()  # ids on the management cluster
        # Objects the kube simulators created or updated, by side (simulators/kube_writes.py)
        self.kube_changes: dict[str, list[dict[str, Any]]] = {}
        # Each simulator's part of the world (a section or a state), by simulator name.
        self.sections: dict[str, Any] = seed_sections(scenario)
        self.hosts: dict[str, tuple[str, ...]] = {}  # simulator -> its host names, once served
        self._latency_keys = latency_keys(scenario.simulators)
        self._tokens: set[str] = set()
        self._request_log: list[dict[str, Any]] = []
        self._faults = [_ActiveFault(f, f.times) for f in scenario.faults]
        self._counters: dict[str, int] = {}
        # The request log's clock: milliseconds since this world was made, just before a run.
        self._clock_origin = time.monotonic()
        # Latency for every service at once (benches), over the scenario's per-service one.
        self.latency_override_ms: float | None = None

    # --- clock and ids ----------------------------------------------------------------------

    def pause(self, seconds: float) -> bool:
        """Sleep unless the sandbox stops first; True when the full time passed."""
        return seconds <= 0 or not self.stop_event.wait(seconds)

    def elapsed_ms(self) -> float:
        """Milliseconds since the world was made, on the monotonic clock (to the microsecond)."""
        return round((time.monotonic() - self._clock_origin) * 1000, 3)

    def latency_s(self, service: str) -> float:
        """The delay before answering a request to ``service``, in seconds."""
        if self.latency_override_ms is not None:
            return self.latency_override_ms / 1000
        key = self._latency_keys.get(service, service)
        return self.scenario.latency_ms.for_service(key) / 1000

    def __getattr__(self, name: str) -> Any:
        """An attribute of a simulator's state (``world.incidents``), for tests that look."""
        if name.startswith("_") or "sections" not in self.__dict__:
            raise AttributeError(name)
        for state in self.__dict__["sections"].values():
            if hasattr(type(state), "__dataclass_fields__") and hasattr(state, name):
                return getattr(state, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def next_id(self, prefix: str) -> str:
        """Counter-based ids keep runs of one scenario comparable."""
        with self.lock:
            count = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = count
        return f"{prefix}{count:06d}"

    # --- tokens -----------------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self._tokens.add(token)
        return token

    def token_is_issued(self, token: str) -> bool:
        with self.lock:
            return token in self._tokens

    # --- lookups ----------------------------------------------------------------------------

    def cluster(self, cluster_id: str) -> ClusterState | None:
        return self.clusters.get(cluster_id)

    def cluster_by_external_id(self, external_id: str) -> ClusterState | None:
        return next((c for c in self.clusters.values() if c.external_id == external_id), None)

    # --- faults, rate limit and the request log ----------------------------------------------

    def take_fault(self, service: str, method: str, path: str) -> Fault | None:
        """The first fault matching this request that still has uses left (one is spent)."""
        with self.lock:
            for active in self._faults:
                if active.remaining == 0 or not active.matches(service, method, path):
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                return active.fault
        return None

    def log_request(
        self,
        service: str,
        method: str,
        path: str,
        status: int | str,
        query: str = "",
        start_ms: float | None = None,
    ) -> None:
        """Log one answered (or faulted) request; it ends now, and started at ``start_ms``.

        The end is read under the lock, so the log is in the order requests ended.
        """
        with self.lock:
            end_ms = self.elapsed_ms()
            entry: dict[str, Any] = {
                "service": service,
                "method": method,
                "path": path,
                "status": status,
                "write": self.is_write(service, method, path),
                "start_ms": end_ms if start_ms is None else start_ms,
                "end_ms": end_ms,
            }
            if query:  # only when sent, so entries of query-less requests keep their shape
                entry["query"] = query
            self._request_log.append(entry)

    def is_write(self, service: str, method: str, path: str) -> bool:
        """Whether a request may change the world; a plugin's simulator says for its own."""
        simulator = simulator_named(self.scenario, service)
        return simulator.is_write(method, path) if simulator else is_write(service, method, path)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(entry) for entry in self._request_log]

    # --- the JSON view ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The world in DESIGN §7's shape (what ``--check`` and ``--output json`` show)."""
        with self.lock:
            plugins = sections_json(self)
            # Routes simulators' sections come last, as they always did.
            later = {s.name for s in self.scenario.simulators if s.hosts is None}
            return {
                **{key: value for key, value in plugins.items() if key not in later},
                "ocm": {"clusters": {c.id: _cluster_json(c) for c in self.clusters.values()}},
                "backplane": {
                    "reports": [
                        {"cluster_id": r["cluster_id"], "summary": r["summary"], "data": r["data"]}
                        for r in self.reports
                    ]
                },
                **({"kube_changes": dict(self.kube_changes)} if self.kube_changes else {}),
                **{key: value for key, value in plugins.items() if key in later},
            }

    def read_path(self, dotted: str) -> Any:
        return read_world_path(self.to_json(), dotted)


def read_world_path(data: Any, dotted: str) -> Any:
    """Follow a dotted path (list items by index); a last segment ``length`` counts a list."""
    segments = dotted.split(".")
    current = data
    for index, segment in enumerate(segments):
        is_last = index == len(segments) - 1
        if is_last and segment == "length" and isinstance(current, list | dict):
            return len(current)
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            where = ".".join(segments[:index]) or "the world"
            raise WorldPathError(f"{dotted}: {where} has no {segment!r}")
    return current


READ_ONLY_POSTS = {"sso"}  # a token request changes nothing in the world


def is_write(service: str, method: str, path: str) -> bool:
    """Whether a request may change the world; token requests are POSTs."""
    return method not in ("GET", "HEAD", "OPTIONS") and service not in READ_ONLY_POSTS


def derived_external_id(cluster_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cad-sandbox/clusters/{cluster_id}"))


def _seed_cluster(seed: Cluster, now: datetime) -> ClusterState:
    state = ClusterState(seed=seed, external_id=seed.external_id or derived_external_id(seed.id))
    for number, log in enumerate(seed.service_logs, start=1):
        entry = {
            "id": f"seed-log-{seed.id}-{number}",
            "summary": log.summary,
            "description": log.description,
            "severity": log.severity,
            "service_name": log.service_name,
            "internal_only": log.internal_only,
            "log_type": log.log_type,
            "username": log.username,
            "timestamp": log.timestamp or now,
        }
        state.service_logs.append(entry)
    state.service_logs.extend(_hibernation_logs(seed))
    for number, reason in enumerate(seed.limited_support_reasons, start=1):
        state.limited_support_reasons.append(
            {
                "id": f"seed-ls-{seed.id}-{number}",
                "summary": reason.summary,
                "details": reason.details,
                "detection_type": "manual",
                "created_at": now,
            }
        )
    return state


def _hibernation_logs(seed: Cluster) -> list[dict[str, Any]]:
    """Hibernation periods become the cluster-state service logs CHGM reads them from."""
    logs = []
    for number, period in enumerate(seed.hibernation, start=1):
        changes = [("cluster_state_hibernating", "hibernating", period.hibernated)]
        if period.resumed is not None:
            changes.append(("cluster_state_ready", "ready", period.resumed))
        for summary, state, at in changes:
            logs.append(
                {
                    "id": f"seed-state-{seed.id}-{number}-{state}",
                    "summary": summary,
                    "description": f"The cluster is {state}.",
                    "severity": "Info",
                    "service_name": "ClusterService",
                    "internal_only": False,
                    "log_type": "cluster-state-updates",
                    "username": "",
                    "timestamp": at,
                }
            )
    return logs


def _cluster_json(cluster: ClusterState) -> dict[str, Any]:
    log_keys = ("summary", "severity", "service_name", "description", "internal_only", "log_type")
    return {
        "service_logs": [{k: log[k] for k in log_keys} for log in cluster.service_logs],
        "limited_support_reasons": [
            {"summary": r["summary"], "details": r["details"]}
            for r in cluster.limited_support_reasons
        ],
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
