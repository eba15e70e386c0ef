"""What one alert's `cad run` process imports, and what it costs: plugins off its chain stay out.

`cad sandbox serve SCENARIO` keeps the scenario's world up; `cad run --payload-path` then
runs the incident as production does, in a fresh process, ``--rounds`` times, under
``python -X importtime``. Per round: the process's CPU (user+sys, from
``RUSAGE_CHILDREN``) and its imports. Printed: the median CPU, the ``cad`` plugins the
process imported (by top-level package), what it imported that the chain does not
need, and import time by top-level package (approximate: reads ahead import in threads).
With ``--baseline REF`` both trees are installed from wheels into venvs of their own
(``bench/_venvs.py``) and their runs alternate, each against its own served world.

    .venv/bin/python bench/run_imports.py [--scenario chgm-customer-stopped-instances]
        [--rounds 5] [--baseline REF] [--json]

Goal (issue 26): no plugin off the alert's chain and none of cryptography, filelock or a
lock library imported by the chgm run. Exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

CAD = "from cad_core.cli.commands import main; main()"
REPO = Path(__file__).resolve().parents[1]
# `cad ARGS`, then every module the process holds: -X importtime misses what
# importlib.import_module loads (entry points, action-type modules).
PROBE = """
import atexit, json, os, sys
modules = lambda: ("MODULES " + json.dumps(sorted(sys.modules)) + "\\n").encode()
atexit.register(lambda: os.write(2, modules()))
from cad_core.cli.commands import main
main()
"""
# Plugins a chgm alert's chain uses: its alert source, chain heads, investigation, the
# resources they read and the executors of its plan.
CHGM_CHAIN = {"cad_pagerduty", "cad_ocm", "cad_chgm"}
# filelock is on the path: a live run takes file locks (CAD_LOCK_PROVIDER=file).
NOT_ON_CHGM = ("cryptography", "cad_lease", "cad_expiredcertificates")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def served(python: str, scenario: str, env: dict[str, str], cwd: str) -> Iterator[dict[str, str]]:
    """`cad sandbox serve`: the environment it prints (and the payload under PAYLOAD)."""
    serve = subprocess.Popen(
        [python, "-c", CAD, "sandbox", "serve", scenario],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=cwd,
    )
    try:
        assert serve.stdout is not None
        exports = {}
        for line in serve.stdout:
            if line.startswith("# then: cad run --payload-path "):
                exports["PAYLOAD"] = line.strip().rsplit(" ", 1)[-1]
                break
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        yield exports
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


class Tree:
    """One tree's python, its served world and the figures of its runs."""

    def __init__(self, label: str, python: str, env: dict[str, str], cwd: str) -> None:
        self.label, self.python, self.env, self.cwd = label, python, env, cwd
        self.payload = ""
        self.cpus: list[float] = []
        self.imports: dict[str, int] = {}
        self.modules: set[str] = set()

    def run(self) -> None:
        """One `cad run` process: its CPU and imports (module -> self time, µs)."""
        before = children_cpu()
        result = subprocess.run(
            [self.python, "-X", "importtime", "-c", PROBE, "run", "--payload-path", self.payload],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.cwd,
            check=False,
        )
        self.cpus.append(children_cpu() - before)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{self.label}: cad run failed:\n{result.stderr[-2000:]}")
        self.imports = {}
        self.modules = set()
        for line in result.stderr.splitlines():
            if line.startswith("MODULES "):
                self.modules = set(json.loads(line.removeprefix("MODULES ")))
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                own, _cumulative, name = line.removeprefix("import time:").split("|")
                # Imports in threads (reads ahead) can make a self time negative: clamp.
                self.imports[name.strip()] = max(int(own), 0)

    def off_chain(self, plugins: list[str]) -> list[str]:
        """Plugins off the chgm chain whose code was imported: beyond the package and the
        module defining its action types (imported at start-up: plans need the classes)."""
        code = {
            package
            for package, _, rest in (m.partition(".") for m in self.modules)
            if rest not in ("", "actions")
        }
        return [p for p in plugins if p not in CHGM_CHAIN and p in code]

    def figures(self) -> dict[str, object]:
        by_package: Counter[str] = Counter()
        for name, own in self.imports.items():
            by_package[name.partition(".")[0]] += own
        packages = {name.partition(".")[0] for name in self.modules}
        plugins = sorted(p for p in packages if p.startswith("cad_") and p != "cad_core")
        return {
            "cpu_ms": round(statistics.median(self.cpus[1:]) * 1000),
            "modules": len(self.modules),
            "plugins": plugins,
            "off_chain": self.off_chain(plugins)
            + [name for name in NOT_ON_CHGM if name in packages and name not in plugins],
            "top": [[name, round(us / 1000, 1)] for name, us in by_package.most_common(12)],
        }


def measure(trees: list[Tree], scenario: str, rounds: int) -> None:
    with contextlib.ExitStack() as stack:
        for tree in trees:
            exports = stack.enter_context(served(tree.python, scenario, tree.env, tree.cwd))
            tree.payload = exports.pop("PAYLOAD")
            tree.env = {**tree.env, **exports}
        for _ in range(rounds + 1):  # the first is a warm-up (.pyc files, the start-up cache)
            for tree in trees:  # interleaved: machine noise hits every tree alike
                tree.run()


def report(trees: list[Tree], scenario: str, as_json: bool) -> int:
    figures = {tree.label: tree.figures() for tree in trees}
    if as_json:
        print(json.dumps(figures, indent=2))
    for tree in trees:
        got = figures[tree.label]
        if not as_json:
            print(
                f"{tree.label}: {scenario}: cad run process CPU {got['cpu_ms']} ms (median of "
                f"{len(tree.cpus) - 1}); {got['modules']} modules imported"
            )
            print(f"  plugins imported: {', '.join(got['plugins'])}")  # type: ignore[arg-type]
            print(f"  off the chain: {', '.join(got['off_chain']) or 'none'}")  # type: ignore[arg-type]
            top = ", ".join(f"{name} {ms}" for name, ms in got["top"])  # type: ignore[attr-defined]
            print(f"  import time by package (ms, self, approximate): {top}")
    this = figures[trees[-1].label]
    if len(trees) == 2 and not as_json:
        ratio = int(this["cpu_ms"]) / max(int(figures[trees[0].label]["cpu_ms"]), 1)  # type: ignore[call-overload]
        print(f"CPU this tree / baseline: {ratio:.2f}")
    if not scenario.startswith("chgm"):
        return 0
    passed = not this["off_chain"]
    if not as_json:
        print(
            f"goal: no plugin off the chain, no crypto or lock library: "
            f"{'PASS' if passed else 'FAIL'}"
        )
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="chgm-customer-stopped-instances")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="git ref to compare against (installed from wheels)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cad-imports-") as folder:
        env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
        env["CAD_LOCK_DIR"] = env["CAD_STATE_DIR"] = folder
        trees = [Tree("this tree", sys.executable, env, str(REPO))]
        if options.baseline:
            trees = installed_trees(options.baseline, Path(folder))
        measure(trees, options.scenario, options.rounds)
        return report(trees, options.scenario, options.json)


def installed_trees(ref: str, work: Path) -> list[Tree]:
    """This tree and ``ref`` installed from wheels into venvs of their own."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _venvs import clean_env, installed_venv

    base = work / "baseline-tree"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(base), ref],
        check=True,
    )
    try:
        pythons = [installed_venv(base, work, "baseline"), installed_venv(REPO, work, "this")]
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], check=False
        )
    env = {**clean_env(str(work)), "CAD_LOCK_DIR": str(work), "CAD_STATE_DIR": str(work)}
    env.pop("CAD_DISABLE_PLUGINS", None)
    return [
        Tree(f"baseline {ref}", str(pythons[0]), env, str(work)),
        Tree("this tree", str(pythons[1]), env, str(work)),
    ]


if __name__ == "__main__":
    sys.exit(main())
