"""The repository's conftest.py: campaigns are left out by default and run when asked,
plain pytest runs side by side (two workers per CPU, whole files), and pytest processes
running side by side share no lock or state folder.

Each case runs pytest in a real process on a small test file beside a copy of the
conftest, the way ``scripts/test.sh`` and ``.ci/run`` run the whole suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = """
import pytest

def test_everyday():
    pass

@pytest.mark.campaign(trials=3)
def test_race(campaign_trials):
    print(f"rounds={campaign_trials}")

@pytest.mark.campaign
def test_fuzz():
    pass
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy2(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(TESTS)
    return tmp_path


def pytest_in(
    folder: Path, *args: str, ci: str | None = None, autoload: bool = False
) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder``, as on a developer's machine unless ``ci`` sets ``CI``.

    Only the conftest is under test: the installed pytest plugins (hypothesis, CAD's own
    fixtures, xdist) are not loaded unless ``autoload``, which costs about a second of CPU a
    process less; ``-p xdist.plugin`` loads xdist alone.
    """
    # Not what xdist tells the worker running this test (PYTEST_XDIST_WORKER, ...).
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("PYTEST_XDIST")}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-s", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_default_run_leaves_campaigns_out_and_says_how_to_run_them(folder: Path) -> None:
    done = pytest_in(folder)
    assert done.returncode == 0, done.stdout
    assert "2 campaign tests left out: run them with --campaigns" in done.stdout
    assert "test_everyday PASSED" in done.stdout and "test_race" not in done.stdout


def test_campaigns_run_with_their_own_trials_or_the_ones_given(folder: Path) -> None:
    done = pytest_in(folder, "--campaigns")
    assert done.returncode == 0, done.stdout
    assert "rounds=3" in done.stdout and "test_fuzz PASSED" in done.stdout
    fewer = pytest_in(folder, "--campaigns", "--campaign-trials", "1")
    assert "rounds=1" in fewer.stdout


def test_an_explicit_marker_expression_decides_alone(folder: Path) -> None:
    done = pytest_in(folder, "-m", "campaign")
    assert done.returncode == 0, done.stdout
    assert "test_race" in done.stdout and "test_everyday" not in done.stdout


def test_ci_runs_the_campaigns_with_the_readme_command(folder: Path) -> None:
    done = pytest_in(folder, ci="true")
    assert done.returncode == 0, done.stdout
    assert "left out" not in done.stdout and "test_fuzz PASSED" in done.stdout
    assert "left out" in pytest_in(folder, ci="false").stdout


def test_side_by_side_the_main_process_says_how_many_were_left_out(folder: Path) -> None:
    # scripts/test.sh runs the workers of pytest-xdist; they collect, the main one reports.
    done = pytest_in(folder, "-p", "xdist.plugin", "-n", "2")
    assert done.returncode == 0, done.stdout
    assert "2 campaign tests left out: run them with --campaigns" in done.stdout
    assert "PASSED test_sample.py::test_everyday" in done.stdout
    assert "test_race" not in done.stdout


def test_side_by_side_nothing_collected_is_still_exit_5(folder: Path) -> None:
    # Plain pytest, side by side by default (as scripts/test.sh runs it), collecting nothing.
    done = pytest_in(folder, "-p", "xdist.plugin", "-k", "race")
    assert "workers" in done.stdout
    assert done.returncode == 5, done.stdout  # scripts/test.sh turns it into a failure


def workers_of(folder: Path) -> str:
    """The xdist worker that ran ``test_where`` (``None``: pytest's own process)."""
    return (folder / "test_where.seen").read_text().split()[3]


def test_plain_pytest_runs_two_workers_per_cpu_each_file_on_one(folder: Path) -> None:
    (folder / "test_where.py").write_text(WHERE.format(name="where"))
    done = pytest_in(folder, "-p", "xdist.plugin")
    assert done.returncode == 0, done.stdout
    workers = 2 * len(os.sched_getaffinity(0))  # what `nproc` counts
    assert f"created: {workers}/{workers} workers" in done.stdout
    assert "scheduling tests via LoadFileScheduling" in done.stdout
    assert workers_of(folder).startswith("gw")


@pytest.mark.parametrize(
    ("args", "autoload"),
    [(("-p", "xdist.plugin", "-n", "0"), False), (("-p", "no:xdist"), True)],
    ids=["-n 0", "-p no:xdist"],
)
def test_n_0_or_no_xdist_runs_in_one_process(
    folder: Path, args: tuple[str, ...], autoload: bool
) -> None:
    (folder / "test_where.py").write_text(WHERE.format(name="where"))
    done = pytest_in(folder, *args, autoload=autoload)
    assert done.returncode == 0, done.stdout
    assert "workers" not in done.stdout and workers_of(folder) == "None"


def test_named_files_start_no_more_workers_than_files(folder: Path) -> None:
    (folder / "test_where.py").write_text(WHERE.format(name="where"))
    one = pytest_in(folder, "-p", "xdist.plugin", "test_where.py::test_where")
    assert one.returncode == 0, one.stdout
    assert "workers" not in one.stdout and workers_of(folder) == "None"
    two = pytest_in(folder, "-p", "xdist.plugin", "test_where.py", "test_sample.py")
    assert two.returncode == 0, two.stdout
    assert "created: 2/2 workers" in two.stdout


def test_a_path_that_does_not_exist_is_pytest_s_own_error(folder: Path) -> None:
    # xdist's workers would collect nothing and end with exit 5, saying nothing of the path.
    done = pytest_in(folder, "-p", "xdist.plugin", "test_nope.py")
    assert done.returncode == 4, done.stdout
    assert "file or directory not found: test_nope.py" in done.stderr


WHERE = """
import os
from pathlib import Path

def test_{name}():
    names = ("CAD_LOCK_DIR", "XDG_STATE_HOME", "COLUMNS", "PYTEST_XDIST_WORKER")
    seen = " ".join(str(os.environ.get(name)) for name in names)
    Path(__file__).with_suffix(".seen").write_text(seen)
"""


def test_each_pytest_process_has_its_own_lock_and_state_folders(folder: Path) -> None:
    # Every xdist worker is such a process, as is a run in another checkout.
    (folder / "test_where.py").write_text(WHERE.format(name="where"))
    seen = []
    for args in ((), ("-p", "xdist.plugin", "-n", "2")):
        done = pytest_in(folder, *args)
        assert done.returncode == 0, done.stdout
        locks, state, columns, _worker = (folder / "test_where.seen").read_text().split()
        assert columns == "None"  # xdist's workers set COLUMNS=80; tests never see it
        assert Path(locks).name == "locks" and Path(state).name == "state"
        assert Path(locks).parent == Path(state).parent != Path(tempfile.gettempdir())
        seen.append(locks)
    assert seen[0] != seen[1]
