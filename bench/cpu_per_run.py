"""CPU per sandbox run of one scenario: this tree against a baseline commit, side by side.

Both trees are installed the regular way (wheels, see ``bench/_venvs.py``) into venvs of
their own, so each process imports exactly its tree's code; the baseline is checked out
into a temporary git worktree. Then, alternating between the trees so machine noise hits
both alike:

* **in one process** (as ``cad interceptor`` runs): ``--runs`` runs of the scenario, each
  against a fresh sandbox world; CPU (user+sys, ``time.process_time``) of each run. The
  first run pays the imports and per-process set-up; the later ones show what a
  long-lived process pays per incident. Also the whole process's CPU over its runs;
* **one process per run**: ``cad sandbox run --check SCENARIO``; the child's CPU from
  ``resource.getrusage(RUSAGE_CHILDREN)``.

Every run must pass the scenario's ``expect:``. Figures are medians; the goal is on the
in-process runs after the first: this tree / baseline <= 0.667 (a third less).

    .venv/bin/python bench/cpu_per_run.py --baseline e71184b [--runs 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _venvs import clean_env, installed_venv

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO.parent / "shared" / "scenarios" / "chgm-customer-stopped-instances.yaml"
GOAL = 2 / 3
DRIVER = """
import json, resource, sys, time
scenario, runs = sys.argv[1], int(sys.argv[2])
from cad_core.logs import setup_logging
setup_logging("warn")
from cad_sandbox.commands import run_scenario
cpu, problems = [], []
for _ in range(runs):
    started = time.process_time()
    result = run_scenario(scenario)
    cpu.append(time.process_time() - started)
    problems += result.check()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cpu": cpu, "process": usage.ru_utime + usage.ru_stime, "problems": problems}))
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], cwd: str, what: str) -> str:
    """Run ``command`` as the benches do (clean environment); its stdout, or exit naming
    ``what`` failed with the end of its stderr."""
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=clean_env(cwd), check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def in_process(python: Path, scenario: Path, runs: int, cwd: str) -> dict[str, object]:
    stdout = _run(
        [str(python), "-c", DRIVER, str(scenario), str(runs)], cwd, "the in-process driver"
    )
    data: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return data


def one_process(python: Path, scenario: Path, cwd: str) -> float:
    cad = python.parent / "cad"
    before = children_cpu()
    _run([str(cad), "sandbox", "run", "--check", str(scenario)], cwd, "cad sandbox run")
    return children_cpu() - before


def worktree(ref: str, dest: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(dest), ref],
        check=True,
    )
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref to compare against")
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--runs", type=int, default=8, help="runs per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per tree")
    options = parser.parse_args()
    if not options.scenario.exists():
        print(f"bench: scenario {options.scenario} not found", file=sys.stderr)
        return 2
    scenario = options.scenario.resolve()
    with tempfile.TemporaryDirectory(prefix="cad-cpu-") as folder:
        work = Path(folder)
        base_tree = worktree(options.baseline, work / "baseline-tree")
        try:
            pythons = {
                "baseline": installed_venv(base_tree, work, "baseline"),
                "this tree": installed_venv(REPO, work, "this-tree"),
            }
            figures = measure(pythons, scenario, options.runs, options.rounds, folder)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)],
                check=False,
            )
    return report(figures, options)


def measure(
    pythons: dict[str, Path], scenario: Path, runs: int, rounds: int, cwd: str
) -> dict[str, dict[str, list[float]]]:
    figures = {
        label: {"first": [], "later": [], "process": [], "separate": []} for label in pythons
    }
    for _ in range(rounds):  # alternating, so drift hits both trees alike
        for label, python in pythons.items():
            data = in_process(python, scenario, runs, cwd)
            if data["problems"]:
                raise SystemExit(f"{label}: the scenario's expectations failed: {data['problems']}")
            cpu = [float(x) for x in data["cpu"]]  # type: ignore[attr-defined]
            figures[label]["first"].append(cpu[0])
            figures[label]["later"].extend(cpu[1:])
            figures[label]["process"].append(float(data["process"]) / runs)  # type: ignore[arg-type]
            figures[label]["separate"].append(one_process(python, scenario, cwd))
    return figures


def report(figures: dict[str, dict[str, list[float]]], options: argparse.Namespace) -> int:
    rows = (
        ("later", "in one process, each run after the first"),
        ("first", "in one process, the first run (imports, set-up)"),
        ("process", f"in one process, whole process CPU / {options.runs} runs"),
        ("separate", "one `cad sandbox run` process per run"),
    )
    print(
        f"CPU (user+sys) per run of {options.scenario.name}, median; baseline "
        f"{options.baseline} vs this tree; {options.rounds} rounds of {options.runs} runs"
    )
    ratios = {}
    for key, what in rows:
        base = statistics.median(figures["baseline"][key])
        this = statistics.median(figures["this tree"][key])
        ratios[key] = this / base
        print(f"  {what}: {base * 1000:.0f} ms -> {this * 1000:.0f} ms = {this / base:.2f}x")
    passed = ratios["later"] <= GOAL
    print(
        f"goal: runs after the first <= {GOAL:.3f}x the baseline: "
        f"{ratios['later']:.2f}x {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
