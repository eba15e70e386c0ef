"""Scenario files (schema version 1): the world a sandbox run starts from.

Loading is strict: an unknown key, a wrong type or a bad time is a ``BadInputError`` naming
the file and line, so a typo never silently changes the world. Relative times (``-40m``)
are resolved once, against the ``now`` given to the loader.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from cad_core.config import strict_yaml
from cad_core.config.strict_yaml import read_source
from cad_core.config.yamlschema import Context, convert
from cad_core.errors import BadInputError

from cad_sandbox.catalog import bundled_examples
from cad_sandbox.extensions import webhook_body

__all__ = [
    "Scenario",
    "bundled_examples",
    "load_scenario",
    "parse_scenario",
    "webhook_body",
]

KIND = "scenario"
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
ActionStatus = Literal[
    "succeeded",
    "skipped_duplicate",
    "failed",
    "dry_run",
    "dropped_by_policy",
    "replaced_by_policy",
    "not_run",
]


# --- faults, latency, expectations ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Fault:
    service: str  # one of the installed simulators' services (extensions.scenario_schema)
    path: str  # exact, or an fnmatch glob such as /api/clusters_mgmt/v1/clusters/*
    method: HttpMethod | None = None  # None: any method
    status: int | None = None
    headers: dict[str, str | int | float] = field(default_factory=dict)
    times: int | None = None  # None: every matching request
    kind: Literal["status", "timeout", "reset"] = "status"

    def validate(self) -> None:
        if not self.path.startswith(("/", "*")):
            raise ValueError(
                f"path must start with / (or be a glob such as */alerts): {self.path!r}"
            )
        if self.kind == "status" and self.status is None:
            raise ValueError("a fault of kind status needs a status")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), got {self.status}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be 1 or more (leave it out for every request)")


@dataclass(frozen=True, kw_only=True)
class Latency:
    """Milliseconds per latency key; the installed simulators' keys are its fields."""

    def validate(self) -> None:
        negative = [f.name for f in dataclasses.fields(self) if getattr(self, f.name) < 0]
        if negative:
            raise ValueError(f"latency must not be negative: {', '.join(negative)}")

    def for_service(self, key: str) -> float:
        """Milliseconds for a latency key (the world maps each service to its key)."""
        return float(getattr(self, key, 0))


@dataclass(frozen=True, kw_only=True)
class ExpectedAction:
    type: str
    status: ActionStatus


@dataclass(frozen=True, kw_only=True)
class Expect:
    exit_code: int | None = None
    actions: tuple[ExpectedAction, ...] | None = None
    world: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str = ""  # empty: the file name without extension
    description: str = ""
    version: Literal[1] = 1
    # The simulators' sections (e.g. the alert, the clusters) are added as fields by
    # cad_sandbox.extensions.scenario_schema, from the installed plugins' declarations.
    faults: tuple[Fault, ...] = ()
    latency_ms: Latency = field(default_factory=Latency)
    expect: Expect | None = None
    # Filled by the loader, never read from YAML:
    now: datetime = field(default=datetime.fromtimestamp(0, UTC), metadata={"internal": True})
    source: str = field(default="", metadata={"internal": True})
    # The installed plugins' simulators (cad_sandbox.extensions), which own the sections.
    simulators: tuple[Any, ...] = field(default=(), metadata={"internal": True})

    def webhook_body(self) -> bytes:
        """The alert this scenario sends, built by the alert source's simulator."""
        return webhook_body(self)


# --- loading --------------------------------------------------------------------------------


def load_scenario(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    now: datetime | None = None,
    simulators: tuple[Any, ...] | None = None,
) -> Scenario:
    """Load a scenario from a YAML file path or a dict, resolving times against ``now``.

    ``simulators``: the plugins' own simulators whose keys the scenario may use (default:
    those of the installed plugins, see :mod:`cad_sandbox.extensions`).
    """
    if isinstance(source, Mapping):
        node = strict_yaml.nodes_from_data(dict(source), kind=KIND)
        return _build(node, "(dict)", "", now, simulators)
    path = Path(source)
    text = read_source(path, KIND)  # bounded: a device or FIFO cannot hang it
    return parse_scenario(text, str(path), now=now, default_name=path.stem, simulators=simulators)


def parse_scenario(
    text: str,
    source: str,
    *,
    now: datetime | None = None,
    default_name: str = "",
    simulators: tuple[Any, ...] | None = None,
) -> Scenario:
    """Parse scenario YAML text; ``source`` names it in error messages."""
    return _build(_compose(text, source), source, default_name, now, simulators)


def _compose(text: str, source: str) -> yaml.Node:
    """Scenario YAML as nodes (they keep lines); an empty file is an error for a scenario."""
    node = strict_yaml.compose(text, source, kind=KIND)
    if node is None:
        raise BadInputError(f"{KIND} {source}: the file is empty")
    return node


def _build(
    node: Any, source: str, default_name: str, now: datetime | None, simulators: Any = None
) -> Scenario:
    from cad_sandbox import extensions

    now = _utc(now)
    simulators = extensions.installed_simulators() if simulators is None else tuple(simulators)
    schema = extensions.scenario_schema(simulators)
    scenario: Scenario = convert(node, schema, source, Context(now=now), kind=KIND)
    scenario = dataclasses.replace(
        scenario,
        name=scenario.name or default_name or "scenario",
        now=now,
        source=source,
        simulators=simulators,
    )
    extensions.check_seeds(scenario)
    return scenario


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(microsecond=0)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)
