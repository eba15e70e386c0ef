"""CPU of the one-alert process for every shared scenario: this tree against a baseline.

Each alert is a fresh ``cad run`` process (one PipelineRun per alert, as upstream), so
that process's CPU is what an alert costs. Both trees are installed the regular way
(wheels, see ``bench/_venvs.py``) into venvs of their own; the baseline is checked out
into a temporary git worktree. For every scenario of ``../shared/scenarios``, alternating
between the trees so machine noise hits both alike:

* **one alert process**: a driver in the tree's venv starts the scenario's world (that
  tree's simulators, in the driver), then runs ``cad run --payload-path WEBHOOK --output
  json`` as a child against it; the child's CPU (user+sys) and peak RSS come from
  ``resource.getrusage(RUSAGE_CHILDREN)``; the run must pass the scenario's ``expect:``;
* **the floor**: what no change to CAD's own code can remove. One more run of the scenario
  (not measured) lists the third-party packages this tree's process imported (its
  ``sys.modules`` at exit, less the standard library and CAD's own packages); then, in each
  round, a process that only imports those packages (it builds no client, reads no file,
  sends no request) is measured the same way. ``floor / baseline`` is the lowest ratio a
  run could reach while it uses those libraries;
* with ``--in-process R``, also ``R`` runs of the first scenario in one process (as
  ``cad interceptor`` runs), each against a fresh world: the first pays the imports, the
  later ones what a long-lived process pays per incident (issue 15's goal, <= 0.667x).

Figures are medians. Goals (issue 26): a chgm scenario's process <= 0.5x the baseline's,
a scenario whose run makes no AWS call (a non-AWS investigation) <= 0.4x.

    .venv/bin/python bench/cpu_per_run.py [--baseline b5563f8] [--rounds 5] [--only NAME]
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
from typing import Any

from _venvs import clean_env, installed_venv

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO.parent / "shared" / "scenarios"
GOAL_LATER = 2 / 3  # --in-process: runs after the first
GOAL_CHGM, GOAL_NO_AWS = 0.5, 0.4
ONE_ALERT = """
import json, os, resource, subprocess, sys, tempfile
scenario, cad, census = sys.argv[1], sys.argv[2], sys.argv[3:]
from cad_core.logs import setup_logging
setup_logging("warn")
from cad_sandbox.check import compare
from cad_sandbox.commands import bundled_config_if_usable, environment, resolve_scenario
from cad_sandbox.harness import Sandbox
from cad_sandbox.scenario import load_scenario
loaded = load_scenario(resolve_scenario(scenario))
with Sandbox(loaded) as box, environment(box.env()), tempfile.TemporaryDirectory() as folder:
    payload = os.path.join(folder, "webhook.json")
    with open(payload, "wb") as handle:
        handle.write(loaded.webhook_body())
    config = bundled_config_if_usable()
    command = [*census, cad, "run", "--payload-path", payload, "--output", "json"]
    command += ["--config", config] if config else []
    child = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        record = json.loads(child.stdout)
    except ValueError:
        print(json.dumps({"problems": ["no run record: " + child.stderr[-1500:]]}))
        sys.exit(0)
    world = box.world.to_json()
    services = sorted({entry["service"] for entry in box.world.requests()})
    problems = compare(loaded.expect, child.returncode, record, world)
modules = json.loads(child.stderr.strip().splitlines()[-1]) if census else []
print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss,
                  "services": services, "problems": problems, "modules": modules}))
"""
CENSUS = """
import atexit, json, os, runpy, sys
def _third_party():
    names = {name.partition(".")[0] for name in list(sys.modules)}
    ours = {n for n in names if n.startswith("cad_")}
    return sorted(names - set(sys.stdlib_module_names) - ours - {"__main__", "__mp_main__"})
atexit.register(lambda: print(json.dumps(_third_party()), file=sys.__stderr__))
cad = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(cad, run_name="__main__")
"""
FLOOR = """
import importlib, json, resource, sys
failed = []
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:  # a package that cannot be imported on its own (a vendored shim)
        failed.append(name)
print(json.dumps({"failed": failed}))
"""
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


def worktree(ref: str, dest: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(dest), ref],
        check=True,
    )
    return dest


def one_alert(python: Path, scenario: Path, cwd: str, census: bool = False) -> dict[str, Any]:
    """One ``cad run`` process against a fresh world of ``scenario``; its CPU and more.

    With ``census``, the process runs through :data:`CENSUS` and ``modules`` lists the
    third-party packages it imported (that run's CPU is not a figure)."""
    cad = python.parent / "cad"
    wrap = [str(python), "-c", CENSUS] if census else []
    command = [str(python), "-c", ONE_ALERT, str(scenario), str(cad), *wrap]
    stdout = _run(command, cwd, "the driver")
    data: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    if data["problems"]:
        raise SystemExit(f"{python}: {scenario.name}: expectations failed: {data['problems']}")
    return data


def floor_cpu(python: Path, packages: list[str], cwd: str) -> float:
    """CPU (user+sys) of a process that imports ``packages`` and nothing else."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stdout = _run([str(python), "-c", FLOOR, json.dumps(packages)], cwd, "the floor process")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    failed = json.loads(stdout.strip().splitlines()[-1])["failed"]
    if failed:
        print(f"[floor: could not import on their own: {', '.join(failed)}]", file=sys.stderr)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="b5563f8", help="git ref to compare against")
    parser.add_argument("--rounds", type=int, default=5, help="alert processes per scenario")
    parser.add_argument("--only", action="append", help="scenario name (repeatable)")
    parser.add_argument("--in-process", type=int, default=0, metavar="RUNS")
    options = parser.parse_args()
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    if options.only:
        scenarios = [path for path in scenarios if path.stem in options.only]
    if not scenarios:
        print(f"bench: no scenario found in {SCENARIOS}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cad-cpu-") as folder:
        work = Path(folder)
        base_tree = worktree(options.baseline, work / "baseline-tree")
        try:
            pythons = {
                "baseline": installed_venv(base_tree, work, "baseline"),
                "this tree": installed_venv(REPO, work, "this-tree"),
            }
            alerts = measure_alerts(pythons, scenarios, options.rounds, folder)
            later = (
                measure_in_process(pythons, scenarios[0], options.in_process, folder)
                if options.in_process
                else None
            )
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)],
                check=False,
            )
    passed = report_alerts(alerts, options)
    if later is not None:
        passed = report_in_process(later, scenarios[0], options) and passed
    return 0 if passed else 1


class Alert:
    """One scenario's alert processes for one tree."""

    def __init__(self) -> None:
        self.cpu: list[float] = []
        self.rss_kib: list[int] = []
        self.services: list[str] = []
        self.packages: list[str] = []
        self.floor: list[float] = []

    def add(self, data: dict[str, Any]) -> None:
        self.cpu.append(float(data["cpu"]))
        self.rss_kib.append(int(data["rss_kib"]))
        self.services = [str(name) for name in data["services"]]


Alerts = dict[str, dict[str, Alert]]  # scenario -> tree -> its alert processes


def measure_alerts(
    pythons: dict[str, Path], scenarios: list[Path], rounds: int, cwd: str
) -> Alerts:
    figures: Alerts = {path.stem: {label: Alert() for label in pythons} for path in scenarios}
    this_python = pythons["this tree"]
    for python in pythons.values():  # a new venv's first run writes its start-up caches
        one_alert(python, scenarios[0], cwd)
    for path in scenarios:  # which libraries this tree's run of the scenario imports
        census = one_alert(this_python, path, cwd, census=True)
        figures[path.stem]["this tree"].packages = list(census["modules"])
    for round_ in range(rounds):  # alternating, so drift hits both trees alike
        for path in scenarios:
            for label, python in pythons.items():
                figures[path.stem][label].add(one_alert(python, path, cwd))
            this = figures[path.stem]["this tree"]
            this.floor.append(floor_cpu(this_python, this.packages, cwd))
        print(f"[round {round_ + 1}/{rounds} done]", file=sys.stderr)
    return figures


def goal_for(name: str, services: list[str]) -> tuple[float | None, str]:
    if "aws" not in services:
        return GOAL_NO_AWS, "no AWS call"
    if name.startswith("chgm-"):
        return GOAL_CHGM, "chgm"
    return None, "no goal"


def report_alerts(figures: Alerts, options: argparse.Namespace) -> bool:
    print(
        f"One alert process (`cad run --payload-path`, against the scenario's world): CPU "
        f"user+sys, median of {options.rounds}; baseline {options.baseline} vs this tree"
    )
    passed = True
    for name, trees in figures.items():
        base, this = trees["baseline"], trees["this tree"]
        ratio = statistics.median(this.cpu) / statistics.median(base.cpu)
        goal, why = goal_for(name, this.services)
        verdict = ""
        if goal is not None:
            verdict = f"; goal <= {goal}x ({why}): {'PASS' if ratio <= goal else 'FAIL'}"
            passed = passed and ratio <= goal
        print(
            f"  {name}: {statistics.median(base.cpu) * 1000:.0f} ms -> "
            f"{statistics.median(this.cpu) * 1000:.0f} ms = {ratio:.2f}x; peak RSS "
            f"{max(base.rss_kib) / 1024:.0f} -> {max(this.rss_kib) / 1024:.0f} MiB{verdict}"
        )
        floor = statistics.median(this.floor)
        print(
            f"    floor: importing its {len(this.packages)} third-party packages and nothing "
            f"else: {floor * 1000:.0f} ms = {floor / statistics.median(base.cpu):.2f}x the "
            f"baseline (the lowest ratio reachable with these libraries)"
        )
        print(f"      {' '.join(name for name in this.packages if not name.startswith('_'))}")
    return passed


def measure_in_process(
    pythons: dict[str, Path], scenario: Path, runs: int, cwd: str
) -> dict[str, dict[str, list[float]]]:
    figures: dict[str, dict[str, list[float]]] = {
        label: {"first": [], "later": [], "process": []} for label in pythons
    }
    for label, python in pythons.items():
        data = in_process(python, scenario, runs, cwd)
        if data["problems"]:
            raise SystemExit(f"{label}: the scenario's expectations failed: {data['problems']}")
        cpu = [float(x) for x in data["cpu"]]  # type: ignore[attr-defined]
        figures[label]["first"].append(cpu[0])
        figures[label]["later"].extend(cpu[1:])
        figures[label]["process"].append(float(data["process"]) / runs)  # type: ignore[arg-type]
    return figures


def report_in_process(
    figures: dict[str, dict[str, list[float]]], scenario: Path, options: argparse.Namespace
) -> bool:
    rows = (
        ("later", "each run after the first"),
        ("first", "the first run (imports, set-up)"),
        ("process", f"whole process CPU / {options.in_process} runs"),
    )
    print(f"In one process, {options.in_process} runs of {scenario.stem} (CPU, median):")
    ratios = {}
    for key, what in rows:
        base = statistics.median(figures["baseline"][key])
        this = statistics.median(figures["this tree"][key])
        ratios[key] = this / base
        print(f"  {what}: {base * 1000:.0f} ms -> {this * 1000:.0f} ms = {this / base:.2f}x")
    passed = ratios["later"] <= GOAL_LATER
    print(
        f"goal: runs after the first <= {GOAL_LATER:.3f}x the baseline: "
        f"{ratios['later']:.2f}x {'PASS' if passed else 'FAIL'}"
    )
    return passed


if __name__ == "__main__":
    sys.exit(main())
