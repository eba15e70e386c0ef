"""Kill campaign: how many backplane remediations (grants on a customer's cluster) CAD
leaves open when its run is killed (issue 22.8).

What it measures: ``--trials`` (default 30) real ``cad run`` processes of the
error-budget-burn investigation (it reads the cluster through a remediation, 300 ms per
kube call), each killed at a random moment: every other trial anywhere within a run's
length (measured first), the others within 300 ms of its remediation appearing; for each
signal of ``--signals`` (default ``KILL TERM``). After each kill it counts the
remediations open in the simulated backplane, then starts the next run for the same
cluster, lets it finish, and counts again. All trials share one world and one
``CAD_STATE_DIR``, as pipeline pods share their volume.

Goals (exit 1 when missed): after SIGTERM, 0 left open at once (the run cleans up before
it exits, 143); after SIGKILL, 0 left open after the next run. Open after a TTL with no
next run cannot be measured: backplane's remediation API has no expiry (nor any way to
list remediations), so that figure is "forever", printed as such.

    .venv/bin/python bench/kill.py [--trials 30] [--signals KILL TERM] [--seed 1]

An HCP cluster's management-cluster remediation (``managingCluster=management``; the
simulated management kube API answers with kube's latency) is measured the same way with
restartcontrolplane's scenario, which reads and updates the HostedCluster through one:

    .venv/bin/python bench/kill.py --investigation restartcontrolplane \
        --scenario plugins/cad-restartcontrolplane/tests/scenarios/rcp-hcp-restart-requested.yaml

Bounded: about 5 s a trial on 2 cores (two runs of a fresh process each).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from _common import progress

from cad_core.errors import CadError
from cad_sandbox.harness import Sandbox
from cad_sandbox.race import with_latency

SCENARIO = "cmbb-monitoring-healthy"
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INVESTIGATION = "clustermonitoringerrorbudgetburn"
CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
KUBE_MS = 300


def world(name: str) -> Any:
    """The scenario with 300 ms on every kube call: a run holds its remediation for a good
    part of its length, as a real one reading a real cluster does."""
    scenario = with_latency(name, 0)
    # The installed simulators' latency keys make the scenario's latency type.
    return dataclasses.replace(scenario, latency_ms=type(scenario.latency_ms)(kube=KUBE_MS))


def one_run(env: dict[str, str], command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    return time.monotonic() - started


def campaign(
    box: Any, env: dict[str, str], signum: int, args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    command = [*CAD, "-c", CLUSTER, "-i", args.investigation]
    length = sorted(one_run(env, command) for _ in range(3))[1]
    killed_open = after_next = killed_holding = 0
    codes: dict[int, int] = {}
    for number in range(args.trials):
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if number % 2:  # any moment of the run
            time.sleep(rng.uniform(0, length))
        else:  # a moment while it holds its remediation: the case that matters
            waited = time.monotonic() + 3 * length
            while not box.world.remediations and time.monotonic() < waited:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, KUBE_MS / 1000))
        holding = bool(box.world.remediations)
        process.send_signal(signum)
        code = process.wait(timeout=300)
        codes[code] = codes.get(code, 0) + 1
        left = len(box.world.remediations)
        killed_holding += holding
        killed_open += left
        if left:
            one_run(env, command)  # the next run for this cluster
            after_next += len(box.world.remediations)
        if (number + 1) % 10 == 0:
            progress(f"SIG{signal.Signals(signum).name[3:]}: {number + 1}/{args.trials}")
    return {
        "run_s": length,
        "holding": killed_holding,
        "open": killed_open,
        "after_next": after_next,
        "codes": codes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--signals", nargs="+", default=["KILL", "TERM"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default=SCENARIO, help="a bundled example or a path")
    parser.add_argument("--investigation", default=INVESTIGATION, help="what cad run runs")
    args = parser.parse_args()
    ok = True
    try:
        scenario = world(args.scenario)
    except CadError as error:  # a scenario that is not there, or not valid: one line
        print(f"kill.py: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as state, Sandbox(scenario) as box:
        env = {**os.environ, **box.env(), "CAD_STATE_DIR": state}
        for name in args.signals:
            signum = signal.Signals[f"SIG{name}"]
            result = campaign(box, env, signum, args)
            # SIGTERM: the run itself cleans up; SIGKILL: the next run does.
            goal = result["open" if signum == signal.SIGTERM else "after_next"] == 0
            ok = ok and goal
            print(
                f"SIG{name}: {args.trials} runs killed at random within a {result['run_s']:.2f} s "
                f"run, {result['holding']} while a remediation was open; left open at once "
                f"{result['open']}, after the next run {result['after_next']}, with no next "
                f"run: forever (backplane has no expiry); exit codes {result['codes']}  "
                f"{'PASS' if goal else 'FAIL'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
