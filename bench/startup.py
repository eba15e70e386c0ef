"""Startup: how long `cad --help` and `cad plugins` take, against `python -c "import click"`.

Each command runs in a fresh interpreter, repeatedly, interleaved with the baseline so
machine noise hits both alike; the figures are medians and ratios to the baseline.
It also lists which heavy modules each command imports (none may, for `--help`).

    .venv/bin/python bench/startup.py [--repeat 15]

Goal: `cad --help` <= 2.0x the baseline, importing none of boto3, botocore, pagerduty,
httpx2, requests. Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

HEAVY = ("boto3", "botocore", "pagerduty", "httpx2", "requests")
GOAL_HELP = 2.0
BASELINE = ["-c", "import click"]
COMMANDS = {
    "cad --help": ["-c", "from cad_core.cli import main; main(['--help'])"],
    "cad plugins": ["-c", "from cad_core.cli import main; main(['plugins'])"],
}
PROBE = (
    "import sys, atexit, json\n"
    "atexit.register(lambda: sys.__stderr__.write('MODULES ' + json.dumps("
    "sorted(m for m in {heavy} if m in sys.modules)) + '\\n'))\n"
    "from cad_core.cli import main; main({args})"
)


def wall(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - started


def heavy_imports(cli_args: list[str]) -> list[str]:
    code = PROBE.format(heavy=repr(HEAVY), args=repr(cli_args))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return list(json.loads(line.removeprefix("MODULES ")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    samples: dict[str, list[float]] = {"baseline": [], **{name: [] for name in COMMANDS}}
    for _ in range(repeat):  # interleaved, so drift affects every series alike
        samples["baseline"].append(wall(BASELINE))
        for name, args in COMMANDS.items():
            samples[name].append(wall(args))
    base = statistics.median(samples["baseline"])
    print(f"baseline python -c 'import click': {base * 1000:.0f} ms (median of {repeat})")
    ok = True
    for name in COMMANDS:
        median = statistics.median(samples[name])
        ratio = median / base
        heavy = heavy_imports(["--help"] if name == "cad --help" else ["plugins"])
        verdict = ""
        if name == "cad --help":
            passed = ratio <= GOAL_HELP and not heavy
            ok &= passed
            verdict = f"  goal <= {GOAL_HELP}x, no heavy imports: {'PASS' if passed else 'FAIL'}"
        print(
            f"{name}: {median * 1000:.0f} ms = {ratio:.2f}x baseline; "
            f"heavy modules: {', '.join(heavy) or 'none'}{verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
