"""The test loop's two speeds: campaigns run only when asked (``--campaigns``), or in CI.

A campaign is a long, repeated check (races between processes, fuzzing, load on a port),
or one that installs into fresh venvs or clones (pip's work: seconds of CPU each):
valuable, but minutes long on a busy machine, and a loop that long is skipped before
commits. Mark one with ``@pytest.mark.campaign`` (``trials=N``: how many rounds it does by
default); the default run leaves it out and says how many it left out. ``--campaigns`` runs
them too, ``--campaign-trials N`` sets their rounds (the full campaigns live in ``bench/``),
and an explicit ``-m`` expression decides by itself (``-m campaign`` runs only them).
CI (the environment variable ``CI`` set, as every CI service and .ci/run's runner do) runs
them as if ``--campaigns`` were given, so CI runs exactly the README's test command.

Plain ``pytest`` runs side by side (pytest-xdist): two workers per CPU, each test file on
one worker (``--dist loadfile``), as if ``-n auto --dist loadfile`` were given. ``-n N``
(still whole files), ``--dist``, ``PYTEST_XDIST_AUTO_NUM_WORKERS``, and ``-n 0`` or
``-p no:xdist`` (one process, for a debugger) decide instead; ``--pdb`` runs in one
process. A command naming test files starts no more workers than files, and one file (or a
path that does not exist, which pytest then names) runs in pytest's own process. This is
set here, not in ``addopts``: an ``-n`` there would make ``-p no:xdist`` an unknown-option
error. A test that starts pytest itself passes ``-p no:xdist`` (or ``-n 0``), so no worker
starts workers of its own.

Tests run side by side (pytest-xdist, ``-n``): each pytest process gets its own lock and
state folders, so runs of one cluster in two workers (or in two checkouts on one machine)
never wait for each other's locks, and nothing is left in the home folder; and the
terminal's width (``COLUMNS``, which xdist's workers set to 80) never reaches a test.
``cad`` run in-process sets up logging as the owner of its process (the root logger's
level and handler); that is undone after each test, so later tests do not pay for INFO
records nobody asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

MARKER = "campaign"
LEFT_OUT = pytest.StashKey[int]()
LEFT_OUT_KEY = "cad_campaigns_left_out"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cad", "CAD test campaigns")
    group.addoption(
        "--campaigns",
        action="store_true",
        help="also run the tests marked campaign (races, fuzzing, load); .ci/run does",
    )
    group.addoption(
        "--campaign-trials",
        type=int,
        metavar="N",
        help="rounds for each campaign instead of its own default (the full runs are in bench/)",
    )


# Many tests wait (on cad processes, loopback servers, lease expiry), and a second worker
# uses that time: on 2 cores the suite took 136 s with 2 workers and 111 s with 4.
WORKERS_PER_CPU = 2


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which turns "auto" into a count
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Side by side unless the command line says otherwise (see the module's docstring)."""
    option = config.option
    if hasattr(config, "workerinput") or not hasattr(option, "numprocesses"):
        return  # a worker, or xdist blocked (-p no:xdist) or not installed
    if getattr(option, "looponfail", False):
        return
    if option.numprocesses is None and not option.tx:
        # One file named runs on one worker anyway: without one, it starts a second sooner.
        # A path that does not exist: pytest's own process says so (workers only find none).
        alone = _test_files_named(config) == 1 or _missing_paths(config)
        option.numprocesses = 0 if alone else "auto"
    if option.dist == "no" and option.numprocesses != 0:
        option.dist = "loadfile"  # a module's fixtures are built once, on one worker


def _missing_paths(config: pytest.Config) -> bool:
    if config.option.pyargs:  # module names, not paths
        return False
    here = config.invocation_params.dir
    return any(not (here / arg.split("::")[0]).exists() for arg in config.args)


def _test_files_named(config: pytest.Config) -> int | None:
    """How many test files the command line names (``path.py`` or ``path.py::test``); None
    when it names a folder, or nothing (then it is the whole ``testpaths``)."""
    files = set()
    for arg in config.args:
        path = config.invocation_params.dir / arg.split("::")[0]
        if not path.is_file():
            return None
        files.add(path.resolve())
    return len(files) or None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers per CPU this process may use (what ``nproc`` counts)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    workers = WORKERS_PER_CPU * _usable_cpus()
    files = _test_files_named(config) if config.option.dist == "loadfile" else None
    return min(workers, files) if files else workers  # no worker without a file to run


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(trials=N): a long race, fuzz or load check; runs with --campaigns (or -m)",
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--campaigns") or config.getoption("markexpr") or _in_ci():
        return
    left_out = [item for item in items if item.get_closest_marker(MARKER)]
    if left_out:
        items[:] = [item for item in items if not item.get_closest_marker(MARKER)]
        config.hook.pytest_deselected(items=left_out)
        config.stash[LEFT_OUT] = len(left_out)
        workeroutput = getattr(config, "workeroutput", None)  # an xdist worker's report home
        if workeroutput is not None:
            workeroutput[LEFT_OUT_KEY] = len(left_out)


def _left_out_line(count: int) -> str:
    return f"{count} campaign tests left out: run them with --campaigns (CI runs them)"


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    count = config.stash.get(LEFT_OUT, 0)
    return _left_out_line(count) if count else None


# With xdist (-n) the workers collect, and what they report at collection is never shown:
# each sends its count back when it is done, and the main process says it at the end.
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    count = getattr(node, "workeroutput", {}).get(LEFT_OUT_KEY, 0)
    config = node.config
    config.stash[LEFT_OUT] = max(config.stash.get(LEFT_OUT, 0), count)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.stash.get(LEFT_OUT, 0)
    xdist_main = getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
    if count and xdist_main and not config.getoption("collectonly"):
        terminalreporter.write_line(_left_out_line(count))


@pytest.fixture
def campaign_trials(request: pytest.FixtureRequest) -> int:
    """How many rounds this campaign runs: ``--campaign-trials``, else its marker's ``trials``."""
    given: int | None = request.config.getoption("--campaign-trials")
    if given is not None:
        return max(1, given)
    marker = request.node.get_closest_marker(MARKER)
    trials = marker.kwargs.get("trials") if marker else None
    if not isinstance(trials, int):
        raise pytest.UsageError(f"{request.node.nodeid}: mark it @pytest.mark.campaign(trials=N)")
    return trials


@pytest.fixture(scope="session", autouse=True)
def _own_lock_and_state_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """This pytest process's own ``CAD_LOCK_DIR`` and ``XDG_STATE_HOME`` (the grant ledger's
    default home), inherited by every ``cad`` the tests start; no terminal width.

    The default lock folder is one per user in the temp dir: two workers running scenarios
    of one cluster would queue on its lock, or give up waiting. Tests about these settings
    set them themselves (monkeypatch), which wins for that test.
    """
    folder = tmp_path_factory.mktemp("process-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAD_LOCK_DIR", str(folder / "locks"))
        patch.setenv("XDG_STATE_HOME", str(folder / "state"))
        patch.delenv("COLUMNS", raising=False)
        patch.delenv("LINES", raising=False)
        yield


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Put back the root logger's level and handlers and every logger's level after a test.

    ``cad_core.logs`` replaces the root handlers and sets levels, as the owner of a ``cad``
    process should; in pytest's process that outlived the test: every later test formatted
    INFO records into a stream handler nobody read (1,600 note lines took 1.6 s of CPU).
    pytest's own capture handlers come and go with each phase and are left to pytest.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    for handler in root.handlers[:]:
        if handler not in handlers and not type(handler).__module__.startswith("_pytest"):
            root.removeHandler(handler)
    if root.level != level:
        root.setLevel(level)
    for name, old in levels.items():
        logger = logging.getLogger(name)
        if logger.level != old:  # setLevel clears every logger's cache: only when needed
            logger.setLevel(old)
