"""Critical path: does the engine run a plan as fast as its dependencies allow?

Runs the stopped-instances and error-budget-burn scenarios with 100 ms of latency on
every simulated service. For each executed plan, the action dependencies (note writers
before the note, the incident lane in order) and each action's measured duration give
the critical path: the least time any schedule could take. The figures are ratios
measured in the same run: plan wall time / critical path (goal <= 1.10), and a strictly
sequential execution (the sum of durations) / plan wall time.

    .venv/bin/python bench/critical_path.py [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from cad_core.plan.engine.report import Status
from cad_core.plan.engine.schedule import dependencies, sequential_order
from cad_sandbox.commands import run_scenario
from cad_sandbox.scenario import bundled_examples

SCENARIOS = ("chgm-customer-stopped-instances", "cmbb-uwm-configmap-invalid")
SERVICES = ("pagerduty", "ocm", "backplane", "aws", "kube")
GOAL = 1.10
RAN = (Status.SUCCEEDED, Status.SKIPPED_DUPLICATE, Status.FAILED)


def with_latency(name: str, latency_ms: int, folder: Path) -> str:
    data = yaml.safe_load(bundled_examples()[name].read_text())
    data["latency_ms"] = {service: latency_ms for service in SERVICES}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def critical_path(outcomes: list[Any]) -> float:
    """Longest duration-weighted path through the plan's dependency graph."""
    actions = [o.action for o in outcomes]
    deps = dependencies(actions)
    finish: dict[int, float] = {}
    for index in sequential_order(actions):  # every dependency is finished first
        start = max((finish[d] for d in deps[index]), default=0.0)
        finish[index] = start + outcomes[index].duration
    return max(finish.values(), default=0.0)


def plans(record: Any) -> dict[str, list[Any]]:
    """Executed outcomes per plan (an investigation's plan, or the run's title step)."""
    grouped: dict[str, list[Any]] = {}
    for outcome in record.actions:
        if outcome.status in RAN:
            grouped.setdefault(outcome.investigation or "run", []).append(outcome)
    return grouped


def measure(name: str, path: str) -> bool:
    result = run_scenario(path)
    problems = result.check()
    ok = not problems
    for plan, outcomes in plans(result.runs[0][2]).items():
        if len(outcomes) < 2:
            continue  # a one-action plan is its own critical path
        wall = max(o.finished for o in outcomes) - min(o.started for o in outcomes)
        best = critical_path(outcomes)
        sequential = sum(o.duration for o in outcomes)
        ratio = wall / best
        ok &= ratio <= GOAL
        print(
            f"{name} / {plan}: {len(outcomes)} actions, wall {wall * 1000:.0f} ms, "
            f"critical path {best * 1000:.0f} ms -> {ratio:.2f}x "
            f"(goal <= {GOAL}: {'PASS' if ratio <= GOAL else 'FAIL'}); "
            f"sequential {sequential * 1000:.0f} ms = {sequential / wall:.2f}x slower"
        )
    for problem in problems:
        print(f"  scenario check: {problem}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=100)
    latency = parser.parse_args().latency_ms
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for name in SCENARIOS:
            ok &= measure(name, with_latency(name, latency, Path(folder)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
