"""Every command in README.md runs as written in a fresh clone, and the setup scripts say
what they are doing and how long it took.

The clone is a copy of what a clone holds (the files git tracks, plus new files it does
not ignore) in a temporary folder with nothing beside it, so a command that reaches
outside the repository (as ``../shared/...`` once did) fails here as it would for a new
SRE. Its ``.venv`` is a link to the virtualenv running these tests: the commands run
against the code under test, and nothing is installed.

The two setup commands are checked without paying for them twice:

* ``./scripts/demo.sh`` runs in full with ``CAD_SKIP_BOOTSTRAP=1``: only the install is
  skipped, which the link to an installed virtualenv makes unnecessary (and a real
  install from the copy would re-point that virtualenv's editable installs at it).
* ``./scripts/test.sh`` is not run from here: it runs this very test, so it would recurse,
  and it takes the whole suite's time. What the script itself does (its steps, their
  times and the total, failing on any step and on "no tests collected") is tested below
  on a stub virtualenv whose tools only say they ran; ``bootstrap.sh``'s progress lines
  and its skip when nothing changed are tested the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# A campaign (every README command, run in a fresh clone): pip's work costs seconds of CPU
# per install, so the everyday loop leaves it out; CI and --campaigns run it.
pytestmark = pytest.mark.campaign


ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
NOT_RUN_HERE = {"./scripts/test.sh": "runs this test: it would recurse (see the docstring)"}


def readme_commands() -> list[str]:
    commands = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        commands += [line.strip() for line in block.splitlines()]
    return [c for c in commands if c and not c.startswith("#")]


def tracked_files() -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout: what a clone holds is unknown")
    return [name for name in done.stdout.decode().split("\0") if name]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fresh") / "configuration-anomaly-detection"
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():  # tracked but deleted in the work tree: a clone lacks it too
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return folder


def test_the_readme_has_commands_and_none_reaches_outside_the_clone() -> None:
    commands = readme_commands()
    assert "./scripts/demo.sh" in commands and "./scripts/test.sh" in commands
    assert not [c for c in commands if "../" in c]


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_runs_as_written_in_a_fresh_clone(clone: Path, command: str) -> None:
    if command in NOT_RUN_HERE:
        pytest.skip(NOT_RUN_HERE[command])
    env = {**os.environ, "CAD_SKIP_BOOTSTRAP": "1"}
    done = subprocess.run(
        ["bash", "-c", command], cwd=clone, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    if " > " in command:  # what it shows went to a file
        target = clone / command.split(" > ")[1].split()[0]
        assert target.stat().st_size > 0
    else:
        assert done.stdout.strip()


# --- the scripts themselves, on a stub virtualenv ------------------------------------------

STUB = """#!/usr/bin/env bash
# A stand-in for a tool of .venv: it says how it was called and exits as STUB_<TOOL> says.
tool=$(basename "$0")
[ "$tool" = python ] && [ "$1" = -m ] && tool=$2
[ "$tool" = python ] && [ "$1" = --version ] && { echo "Python 3.11.0"; exit 0; }
echo "stub $tool $*" >> "$STUB_LOG"
if [ "$tool" = pip ] && [ "$3" = install ]; then
  echo "Obtaining file:///clone"
  echo "  Collecting pluggy>=1.5"
  echo "Requirement already satisfied: attrs"
  echo "Successfully installed cad-core-0.1.0"
fi
var="STUB_$(echo "$tool" | tr a-z A-Z)"
exit "${!var:-0}"
"""


@pytest.fixture
def stub_checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    for script in ("test.sh", "bootstrap.sh"):
        shutil.copy2(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "plugins" / "cad-x").mkdir(parents=True)
    (tmp_path / "plugins" / "cad-x" / "pyproject.toml").write_text("[project]\nname='cad-x'\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "ruff", "mypy", "cad"):
        (bin_dir / tool).write_text(STUB)
        (bin_dir / tool).chmod(0o755)
    return tmp_path


def run_script(checkout: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(checkout / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STUB_LOG": str(checkout / "calls.log"), **env},
    )


def test_test_script_times_each_step_and_the_whole(stub_checkout: Path) -> None:
    done = run_script(stub_checkout, "test.sh")
    assert done.returncode == 0, done.stderr
    for step in ("install (scripts/bootstrap.sh)", "ruff check", "ruff format --check", "mypy"):
        assert f"== {step}" in done.stderr
        assert re.search(rf"-- {re.escape(step)}.*: ok in \d+s", done.stderr), done.stderr
    assert re.search(r"-- pytest: ok in \d+s\n== total: \d+s\n$", done.stderr)


@pytest.mark.parametrize(
    ("env", "failed"),
    [({"STUB_MYPY": "1"}, "-- mypy (strict: cad_core, plugins, plugin template): FAILED (exit 1)"),
     ({"STUB_PYTEST": "5"}, "pytest collected no tests: treating that as a failure")],
)  # fmt: skip
def test_test_script_fails_on_a_failed_step_and_still_says_how_long(
    stub_checkout: Path, env: dict[str, str], failed: str
) -> None:
    done = run_script(stub_checkout, "test.sh", **env)
    assert done.returncode != 0 and failed in done.stderr
    assert "== total: " in done.stderr


def test_bootstrap_shows_progress_then_skips_when_nothing_changed(stub_checkout: Path) -> None:
    first = run_script(stub_checkout, "bootstrap.sh")
    assert first.returncode == 0, first.stderr
    assert "installing cad-core and 1 plugins into .venv" in first.stderr
    assert re.search(r"\[ *\d+s\] Obtaining file:///clone", first.stderr)
    assert re.search(r"\[ *\d+s\] Collecting pluggy>=1.5", first.stderr)
    assert "Requirement already satisfied" not in first.stderr  # one line a package, no noise
    again = run_script(stub_checkout, "bootstrap.sh")
    assert "bootstrap: .venv is up to date" in again.stderr
    assert (stub_checkout / "calls.log").read_text().count("pip install") == 1


def test_bootstrap_shows_pips_own_words_when_it_fails(stub_checkout: Path) -> None:
    done = run_script(stub_checkout, "bootstrap.sh", STUB_PIP="1")
    assert done.returncode == 1
    assert "pip install failed (exit 1); its last lines:" in done.stderr
    assert "Requirement already satisfied: attrs" in done.stderr
