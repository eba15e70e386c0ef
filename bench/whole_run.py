"""Whole run: how many round trips does a CAD run wait for, one after another?

For each shared scenario (``../shared/scenarios/*.yaml``) CAD's real pipeline runs against
the sandbox twice per repetition, interleaved: with every simulated service answering at
once (the baseline, 0 ms) and with each answer delayed by ``--latency-ms`` (100). Only the
run itself is timed (the simulators are up before, and stopped after). Per scenario:

* wall: median wall time of the run at 0 ms and at 100 ms;
* waited: round trips waited for = (wall at 100 ms - wall at 0 ms) / 100 ms, the median
  over the pairs of runs made back to back;
* path: round trips on the critical path of the 100 ms run's request log (the longest
  chain of requests each of which started after the one before ended, see
  docs/sandbox.md), and waited / path (about 1.0: the path explains the wall time);
* requests: in total and per service;
* bound: the dependency lower bound, the levels of requests that must follow one another
  by what the chain declares (resource needs, prefetch declarations, the plan's action
  dependencies, executors' idempotency checks and warm-ups; bench/_bound.py and
  bench/README.md), waited / bound, and PASS when waited <= bound + 1;
* the certificates scenario bundled by cad-expiredcertificates runs beside the shared ones.

    .venv/bin/python bench/whole_run.py [--latency-ms 100] [--repeat 5] [--json] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _bound import Bound, dependency_bound, investigation_windows, probe_costs
from _common import REPO, Goals, environ, progress, sandbox_request_counts

from cad_core.logs import setup_logging
from cad_sandbox.commands import bundled_config_if_usable, run_once
from cad_sandbox.critical_path import critical_path
from cad_sandbox.harness import Sandbox
from cad_sandbox.scenario import bundled_examples, load_scenario

SCENARIOS = REPO.parent / "shared" / "scenarios"
GOAL_SCENARIO = "chgm-customer-stopped-instances"  # issue 15's goals are set on this run
GOAL_ROUND_TRIPS, GOAL_REQUESTS, GOAL_PAGERDUTY = 10, 20, 6

CERTIFICATES = "certs-expired-and-expiring"  # bundled by cad-expiredcertificates
GOAL_CERTIFICATES = 8  # issue 26: the certificate investigation's run, round trips waited for


def timed_run(path: Path, latency_ms: float) -> tuple[float, int, list[dict[str, Any]]]:
    """(wall seconds of the run alone, exit code, request log) for one fresh world."""
    scenario = load_scenario(path)
    box = Sandbox(scenario)
    box.world.latency_override_ms = latency_ms
    with box as sandbox, environ(sandbox.env()):
        config = bundled_config_if_usable()
        # The same retry jitter in both runs of a pair, so their difference is round trips,
        # not backoff sleeps drawn differently (the faults scenario retries twice).
        random.seed(path.stem)
        started = time.perf_counter()
        code, _, _ = run_once(scenario.webhook_body(), config, False)
        wall = time.perf_counter() - started
        return wall, code, sandbox.world.requests()


def bound_of(path: Path, latency_ms: float) -> tuple[Bound, list[dict[str, Any]]]:
    """The dependency bound of one run at ``latency_ms``, and that run's request log."""
    scenario = load_scenario(path)
    box = Sandbox(scenario)
    box.world.latency_override_ms = latency_ms
    with box as sandbox, environ(sandbox.env()):
        with investigation_windows(sandbox.world) as windows:
            _, _, record = run_once(scenario.webhook_body(), bundled_config_if_usable(), False)
        log = sandbox.world.requests()
        offset_ms = time.monotonic() * 1000 - sandbox.world.elapsed_ms()
    names = [i.name for i in record.investigations]
    with Sandbox(load_scenario(path)) as probe_box, environ(probe_box.env()):
        probe = probe_costs(probe_box, record.cluster_id, names)
    return dependency_bound(log, windows, probe, record, offset_ms), log


def measure(path: Path, latency_ms: float, repeat: int) -> dict[str, Any]:
    base_walls, slow_walls, log, codes = [], [], [], set()
    for _ in range(repeat):  # interleaved, so both columns see the same machine load
        wall, code, _ = timed_run(path, 0)
        base_walls.append(wall)
        codes.add(code)
        wall, code, log = timed_run(path, latency_ms)
        slow_walls.append(wall)
        codes.add(code)
    base, slow = statistics.median(base_walls), statistics.median(slow_walls)
    # The median of paired differences: each pair ran back to back under one machine load.
    paired = [s - b for s, b in zip(slow_walls, base_walls, strict=True)]
    waited = statistics.median(paired) / (latency_ms / 1000)
    bound, bound_log = bound_of(path, latency_ms)
    path_steps = critical_path(bound_log).round_trips
    return {
        "scenario": path.stem,
        "wall_0_s": round(base, 3),
        "wall_latency_s": round(slow, 3),
        "round_trips_waited": round(waited, 1),
        "critical_path": path_steps,
        "waited_per_path_step": round(waited / path_steps, 2) if path_steps else None,
        "requests": len(log),
        "requests_by_service": sandbox_request_counts(log),
        "dependency_levels": bound.levels,
        "bound_parts": dict(bound.parts),
        "waited_per_level": round(waited / bound.levels, 2) if bound.levels else None,
        "within_bound": waited <= bound.levels + 1,
        "exit_codes": sorted(codes),
    }


def render(rows: list[dict[str, Any]], latency_ms: float) -> str:
    head = (
        f"{'scenario':<38} {'wall 0':>7} {f'wall {latency_ms:g}':>8} {'waited':>7} "
        f"{'path':>5} {'w/path':>7} {'bound':>6} {'w/bound':>8} {'<=b+1':>6} {'reqs':>5}  "
        "by service"
    )
    lines = [head]
    for row in rows:
        bound = row["dependency_levels"]
        lines.append(
            f"{row['scenario']:<38} {row['wall_0_s']:>6.2f}s {row['wall_latency_s']:>7.2f}s "
            f"{row['round_trips_waited']:>7.1f} {row['critical_path']:>5} "
            f"{row['waited_per_path_step'] or 0:>6.2f}x {bound or '-':>6} "
            f"{(str(row['waited_per_level']) + 'x') if bound else '-':>8} "
            f"{'PASS' if row['within_bound'] else 'FAIL':>6} {row['requests']:>5}  "
            + ", ".join(f"{s} {n}" for s, n in row["requests_by_service"].items())
        )
    lines.append("\nbound by phase (round trips; an investigation's resources, own reads, plan):")
    lines.extend(f"  {row['scenario']}: {phases(row['bound_parts'])}" for row in rows)
    return "\n".join(lines)


def phases(parts: dict[str, int]) -> str:
    """``alert 1, precheck 2 (2+0+0), ...``: each phase, an investigation's split after it."""
    shown = []
    for name, levels in parts.items():
        if ": " in name:
            continue
        split = [parts.get(f"{name}: {part}") for part in ("resources", "reads", "plan")]
        detail = "+".join(str(n) for n in split) if None not in split else ""
        if f"{name}: closing" in parts:  # its remediation closes beside the plan
            detail += f", closing {parts[f'{name}: closing']} beside the plan"
        shown.append(f"{name} {levels}" + (f" ({detail})" if detail else ""))
    return ", ".join(shown)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=5, help="runs per latency (median)")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead")
    parser.add_argument("--only", help="only scenarios whose name contains this")
    args = parser.parse_args()
    if args.latency_ms <= 0 or args.repeat < 1:
        parser.error("--latency-ms must be above 0 and --repeat at least 1")
    paths = scenario_paths()
    paths = [path for path in paths if (args.only or "") in path.stem]
    if not paths:
        print(f"no shared scenarios matched in {SCENARIOS}", file=sys.stderr)
        return 2
    setup_logging("error")  # the faults scenario's retries are expected, not news
    progress("warm-up run (imports, client models), not counted")
    timed_run(paths[0], 0)
    rows = []
    for path in paths:
        progress(f"{path.stem}: {args.repeat} x (0 ms, {args.latency_ms:g} ms)")
        rows.append(measure(path, args.latency_ms, args.repeat))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(render(rows, args.latency_ms))
    failed = [row["scenario"] for row in rows if row["exit_codes"] != [0]]
    if failed:
        print(f"note: a run exited non-zero in {', '.join(failed)}", file=sys.stderr)
    if args.json:
        return 0
    outside = [row["scenario"] for row in rows if not row["within_bound"]]
    code = 1 if outside else 0
    print(f"\nwithin bound + 1: {'PASS' if not outside else 'FAIL: ' + ', '.join(outside)}")
    certificates = next((row for row in rows if row["scenario"] == CERTIFICATES), None)
    if certificates is not None:
        waited = certificates["round_trips_waited"]
        ok = waited <= GOAL_CERTIFICATES
        print(
            f"{CERTIFICATES}: {waited} round trips waited for (goal <= {GOAL_CERTIFICATES}): "
            f"{'PASS' if ok else 'FAIL'}"
        )
        code |= 0 if ok else 1
    goal_row = next((row for row in rows if row["scenario"] == GOAL_SCENARIO), None)
    return (check_goals(goal_row, args.latency_ms) if goal_row else 0) | code


def scenario_paths() -> list[Path]:
    """The shared scenarios, then the certificates scenario cad-expiredcertificates ships."""
    paths = sorted(SCENARIOS.glob("*.yaml")) if SCENARIOS.is_dir() else []
    bundled = bundled_examples().get(CERTIFICATES)
    return [*paths, *([Path(bundled)] if bundled else [])]


def check_goals(row: dict[str, Any], latency_ms: float) -> int:
    """Issue 15's figures for the stopped-instances run; exit 1 when one is missed."""
    goals = Goals()
    waited, requests = row["round_trips_waited"], row["requests"]
    pagerduty = row["requests_by_service"].get("pagerduty", 0)
    goals.check(
        f"round trips waited for at {latency_ms:g} ms",
        waited <= GOAL_ROUND_TRIPS,
        f"{waited} (goal <= {GOAL_ROUND_TRIPS})",
    )
    goals.check("requests", requests <= GOAL_REQUESTS, f"{requests} (goal <= {GOAL_REQUESTS})")
    goals.check(
        "PagerDuty requests", pagerduty <= GOAL_PAGERDUTY, f"{pagerduty} (goal <= {GOAL_PAGERDUTY})"
    )
    print(f"\n{GOAL_SCENARIO}:")
    return goals.report()


if __name__ == "__main__":
    sys.exit(main())
