"""The simulated world every simulator reads and changes, seeded from one scenario.

One lock guards all of it: simulators hold ``world.lock`` while they read or write, so a
request sees a consistent world and the final JSON is never half-written.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from dataclasses import dataclass
from typing import Any

from cad_sandbox.extensions import latency_keys, sections_json, seed_sections, simulator_named
from cad_sandbox.scenario import Fault, Scenario

DEFAULT_TIMEOUT_SLEEP_S = 35.0  # longer than the 30 s clients use, so a timeout fault bites


class WorldPathError(LookupError):
    """A dotted path names nothing in the world JSON."""


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
        # Each simulator's part of the world (a section or a state), by simulator name.
        self.sections: dict[str, Any] = seed_sections(scenario)
        self.hosts: dict[str, tuple[str, ...]] = {}  # simulator -> its host names, once served
        self._latency_keys = latency_keys(scenario.simulators)
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

    # --- faults and the request log ----------------------------------------------

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
            return sections_json(self)

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


def is_write(service: str, method: str, path: str) -> bool:
    """Whether a request of a service no simulator claims may change the world."""
    return method not in ("GET", "HEAD", "OPTIONS")
