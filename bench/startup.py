"""Startup: how long `cad --help` and `cad plugins` take, against `python -c "import click"`.

Each command runs in a fresh interpreter, repeatedly, interleaved with the baseline so
machine noise hits both alike; the figures are medians and ratios to the baseline, of CPU
time (user+sys of the process, as issue 26 measures it: on a shared machine it moves less
than wall time) and of wall time. It also lists which heavy modules each command imports
(none may, for `--help`).

    .venv/bin/python bench/startup.py [--repeat 15] [--installed]

Goal (issue 26): `cad --help` CPU <= 1.2x the baseline, importing none of boto3, botocore,
pagerduty, httpx2, requests (it lists plugin commands from the start-up cache). With
``--installed`` it measures a regular (non-editable) install instead of the development
venv: wheels of this tree in a fresh temporary venv (see ``bench/_venvs.py``; offline,
~20 s to set up), where the goal is the same and the help must also import neither
prometheus_client nor importlib.resources.
Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("boto3", "botocore", "pagerduty", "httpx2", "requests")
# On a regular install, `--help` must also keep clear of these (issue 15).
HEAVY_INSTALLED = (*HEAVY, "prometheus_client", "importlib.resources")
GOAL_HELP = 1.2
GOAL_HELP_INSTALLED = 1.2
BASELINE = ["-c", "import click"]
COMMANDS = {
    "cad --help": ["-c", "from cad_core.cli.commands import main; main(['--help'])"],
    "cad plugins": ["-c", "from cad_core.cli.commands import main; main(['plugins'])"],
}
PROBE = (
    "import sys, atexit, json\n"
    "atexit.register(lambda: sys.__stderr__.write('MODULES ' + json.dumps("
    "sorted(m for m in {heavy} if m in sys.modules)) + '\\n'))\n"
    "from cad_core.cli.commands import main; main({args})"
)


# `python -c` puts the working directory first on sys.path: from the repository root the
# source tree would shadow the installed wheels. The installed mode runs elsewhere, with
# its start-up caches there too.
CWD: str | None = None
ENV: dict[str, str] | None = None


def timed(python: str, args: list[str]) -> tuple[float, float]:
    """One fresh interpreter: its CPU time (user+sys) and wall time, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # every child waited for so far
    started = time.perf_counter()
    subprocess.run(
        [python, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        cwd=CWD,
        env=ENV,
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, took


def heavy_imports(python: str, cli_args: list[str], heavy: tuple[str, ...]) -> list[str]:
    code = PROBE.format(heavy=repr(heavy), args=repr(cli_args))
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=CWD, env=ENV)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return list(json.loads(line.removeprefix("MODULES ")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--installed", action="store_true", help="measure wheels in a fresh venv, not .venv"
    )
    options = parser.parse_args()
    if not options.installed:
        return measure(sys.executable, options.repeat, GOAL_HELP, HEAVY)
    global CWD, ENV
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _venvs import clean_env, installed_venv

    with tempfile.TemporaryDirectory(prefix="cad-startup-") as folder:
        CWD, ENV = folder, clean_env(folder)
        python = installed_venv(Path(__file__).resolve().parents[1], Path(folder), "installed")
        print("regular (non-editable) install of this tree, in a fresh venv")
        return measure(str(python), options.repeat, GOAL_HELP_INSTALLED, HEAVY_INSTALLED)


def measure(python: str, repeat: int, goal: float, heavy_names: tuple[str, ...]) -> int:
    for args in [BASELINE, *COMMANDS.values()]:  # warm-up: the entry-point cache, .pyc files
        timed(python, args)
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], **{n: [] for n in COMMANDS}}
    for _ in range(repeat):  # interleaved, so drift affects every series alike
        runs["baseline"].append(timed(python, BASELINE))
        for name, args in COMMANDS.items():
            runs[name].append(timed(python, args))
    cpu, wall = (
        {name: statistics.median(r[i] for r in rs) for name, rs in runs.items()} for i in (0, 1)
    )
    print(
        f"baseline python -c 'import click': CPU {cpu['baseline'] * 1000:.0f} ms, "
        f"wall {wall['baseline'] * 1000:.0f} ms (medians of {repeat})"
    )
    ok = True
    for name in COMMANDS:
        ratio = cpu[name] / cpu["baseline"]
        args = ["--help"] if name == "cad --help" else ["plugins"]
        heavy = heavy_imports(python, args, heavy_names)
        verdict = ""
        if name == "cad --help":
            passed = ratio <= goal and not heavy
            ok &= passed
            verdict = f"  goal CPU <= {goal}x, no heavy imports: {'PASS' if passed else 'FAIL'}"
        print(
            f"{name}: CPU {cpu[name] * 1000:.0f} ms = {ratio:.2f}x baseline "
            f"(wall {wall[name] * 1000:.0f} ms = {wall[name] / wall['baseline']:.2f}x); "
            f"heavy modules: {', '.join(heavy) or 'none'}{verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
