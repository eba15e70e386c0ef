"""``--check``: compare a run with the scenario's ``expect:`` block."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cad_sandbox.world import read_world_path


def compare(
    expect: Any, exit_code: int, record: dict[str, Any], world: dict[str, Any]
) -> list[str]:
    """Every mismatch as a line for people; empty when the run met every expectation."""
    if expect is None:
        return ["the scenario has no expect: block to check against"]
    problems = []
    if expect.exit_code is not None and expect.exit_code != exit_code:
        problems.append(f"exit code: expected {expect.exit_code}, got {exit_code}")
    if expect.actions is not None:
        wanted = Counter((a.type, str(a.status)) for a in expect.actions)
        got = Counter((a["type"], a["status"]) for a in record.get("actions", []))
        for (kind, status), count in sorted((wanted - got).items()):
            problems.append(f"missing action: {kind} {status} (x{count})")
        for (kind, status), count in sorted((got - wanted).items()):
            problems.append(f"unexpected action: {kind} {status} (x{count})")
    for path, value in expect.world.items():
        try:
            actual = read_world_path(world, path)
        except LookupError as error:
            problems.append(f"world.{path}: {error}")
            continue
        if actual != value:
            problems.append(f"world.{path}: expected {value!r}, got {actual!r}")
    return problems
