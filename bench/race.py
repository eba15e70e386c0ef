"""Race: several CAD processes investigating one incident at once, against one world.

What it measures: ``--trials`` (default 50) trials, alternating the stopped-instances
scenario (limited support) and the error-budget-burn configmap scenario (service log).
Each trial starts a fresh sandbox world with ``--latency-ms`` (default 100) on every
simulated service, and releases ``--processes`` (default 4) real CAD pipelines for its
incident at the same moment (worker processes, started once, meet at a barrier), as when
PagerDuty redelivers a webhook or two PipelineRuns start. It counts what landed: limited
support reasons, service logs, cluster reports, incident notes. A run alone on a fresh
world writes one of each of its kinds (and two notes: the findings and the silence
reason); anything above that is a duplicate.

Each lock provider is measured in turn (``--providers``, default ``none file lease``):
``none`` is the baseline without locks, ``file`` the default, ``lease`` Kubernetes Leases
(cad-lease) in the sandbox's simulated cluster.

Goal (exit 1 when missed): duplicates = 0 for every provider but ``none``, and every run
of every trial exits 0.

``--stall`` measures a holder stalled past its lease instead (issue 22.7): in each trial a
first ``cad run`` (lease provider, ``CAD_LEASE_DURATION_SECONDS=3``) is stopped with
SIGSTOP at the worst moment, when its "already applied?" read reaches the simulator and
before the answer leaves; a second run takes the Leases over and writes; then SIGCONT.
Goal: 0 duplicates in 50 trials, every stalled first run ends ``not_run``/exit 1 (its
failure reaches a human) and every second run exits 0. About 10 s a trial.

    .venv/bin/python bench/race.py [--trials 50] [--processes 4] [--latency-ms 100]
                                   [--providers none file lease] [--stall]

Bounded: about 4 minutes per provider for 50 trials at 100 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from typing import Any

from _common import progress

from cad_sandbox.race import Trial, run_stalled_trial, run_trial, with_latency, workers

SCENARIOS = ("chgm-customer-stopped-instances", "cmbb-uwm-configmap-invalid")
ONE_RUN = {
    SCENARIOS[0]: {"limited_support": 1, "service_log": 0, "cluster_report": 1, "incident_note": 1},
    SCENARIOS[1]: {"limited_support": 0, "service_log": 1, "cluster_report": 1, "incident_note": 1},
}
FAST = {
    "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "0",  # the scenario's CloudTrail is complete at once
    "CAD_LEASE_DURATION_SECONDS": "10",
}


def measure(provider: str, args: argparse.Namespace) -> dict[str, Any]:
    scenarios = {name: with_latency(name, args.latency_ms) for name in SCENARIOS}
    extra = collections.Counter[str]()
    trials_with_duplicates, failed_runs, walls = 0, 0, []
    with tempfile.TemporaryDirectory() as folder, workers(args.processes) as pool:
        env = {**FAST, "CAD_LOCK_PROVIDER": provider, "CAD_LOCK_DIR": folder}
        for number in range(args.trials):
            name = SCENARIOS[number % len(SCENARIOS)]
            started = time.monotonic()
            trial: Trial = run_trial(pool, args.processes, scenarios[name], env)
            walls.append(time.monotonic() - started)
            over = {
                k: v - ONE_RUN[name][k] for k, v in trial.written.items() if v > ONE_RUN[name][k]
            }
            extra.update(over)
            trials_with_duplicates += bool(over)
            failed_runs += sum(1 for code in trial.exit_codes if code != 0)
            if (number + 1) % 10 == 0:
                progress(f"{provider}: {number + 1}/{args.trials} trials")
    return {
        "provider": provider,
        "duplicates": sum(extra.values()),
        "by_kind": dict(extra),
        "trials_with_duplicates": trials_with_duplicates,
        "failed_runs": failed_runs,
        "median_trial_s": sorted(walls)[len(walls) // 2],
    }


STALL_ENV = {
    "CAD_LOCK_PROVIDER": "lease",
    "CAD_LEASE_DURATION_SECONDS": "3",
    "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "0",
}


def measure_stalls(args: argparse.Namespace) -> bool:
    """Stalled-holder trials; True when the goal is met."""
    scenarios = {name: with_latency(name, args.latency_ms) for name in SCENARIOS}
    duplicates = unstopped = fenced = bad_exits = 0
    walls, by_kind = [], collections.Counter[str]()
    for number in range(args.trials):
        name = SCENARIOS[number % len(SCENARIOS)]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as folder:
            trial = run_stalled_trial(scenarios[name], STALL_ENV, folder)
        walls.append(time.monotonic() - started)
        # The fenced first run escalates with a note of its own: one more note is expected.
        expected = {**ONE_RUN[name], "incident_note": 2}
        duplicates += trial.duplicates(expected)
        by_kind.update({k: v - expected[k] for k, v in trial.written.items() if v > expected[k]})
        if len(trial.exit_codes) < 2:
            unstopped += 1  # the run ended before its write check: nothing to measure
            continue
        first = trial.records[0] if trial.records else {"actions": []}
        fenced += any("no longer holds" in (a.get("error") or "") for a in first["actions"])
        bad_exits += trial.exit_codes != [1, 0]
        if (number + 1) % 10 == 0:
            progress(f"stall: {number + 1}/{args.trials} trials")
    stalled = args.trials - unstopped
    goal = duplicates == 0 and unstopped == 0 and bad_exits == 0 and fenced == stalled
    kinds = ", ".join(f"{k} +{v}" for k, v in sorted(by_kind.items())) or "-"
    print(
        f"stall: duplicates {duplicates} ({kinds}) in {args.trials} trials; holders stopped "
        f"at their write check {stalled}, of which fenced (not_run, no write) {fenced}; runs not "
        f"ending [1, 0] {bad_exits}; median trial {sorted(walls)[len(walls) // 2]:.2f} s  "
        f"{'PASS' if goal else 'FAIL'}"
    )
    return goal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--providers", nargs="+", default=["none", "file", "lease"])
    parser.add_argument("--stall", action="store_true", help="stalled Lease holders instead")
    args = parser.parse_args()
    if args.stall:
        print(f"{args.trials} stalled-holder trials, {args.latency_ms:g} ms latency")
        return 0 if measure_stalls(args) else 1
    ok = True
    print(
        f"{args.trials} trials x {args.processes} concurrent runs of one incident, "
        f"{args.latency_ms:g} ms latency on every service"
    )
    for provider in args.providers:
        result = measure(provider, args)
        goal = provider == "none" or (result["duplicates"] == 0 and result["failed_runs"] == 0)
        ok = ok and goal
        verdict = "baseline" if provider == "none" else ("PASS" if goal else "FAIL")
        kinds = ", ".join(f"{k} +{v}" for k, v in sorted(result["by_kind"].items())) or "-"
        print(
            f"{provider:>5}: duplicates {result['duplicates']} ({kinds}) in "
            f"{result['trials_with_duplicates']}/{args.trials} trials; failed runs "
            f"{result['failed_runs']}; median trial {result['median_trial_s']:.2f} s  {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
