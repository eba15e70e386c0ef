"""cad_core.run.locks: key names, provider selection, sorted acquisition and the file lock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cad_core import LockProvider, LockUnavailable, hookimpl
from cad_core.errors import BadInputError
from cad_core.plugins.registry import build_registry
from cad_core.run.locks import RunLocks, acquire_file_lock, lock_keys, lock_name


@pytest.fixture(autouse=True)
def lock_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "locks"
    monkeypatch.setenv("CAD_LOCK_DIR", str(folder))
    monkeypatch.delenv("CAD_LOCK_PROVIDER", raising=False)
    monkeypatch.delenv("CAD_LOCK_WAIT_SECONDS", raising=False)
    return folder


def test_keys_are_the_incident_and_the_cluster_in_sorted_order() -> None:
    assert lock_keys("Q1", "2abc") == ("cluster:2abc", "incident:Q1")
    assert lock_keys(None, "2abc") == ("cluster:2abc",)
    assert lock_keys("", "") == ()


def test_names_are_dns_labels_and_keep_case_distinct_keys_apart() -> None:
    upper, lower = lock_name("incident:Q1ABC"), lock_name("incident:q1abc")
    assert upper != lower
    long = lock_name("cluster:" + "x" * 300)
    for name in (upper, lower, long, lock_name("cluster:a/b..c")):
        assert len(name) <= 63 and name.startswith("cad-")
        assert all(c.isdigit() or c == "-" or "a" <= c <= "z" for c in name)


def test_file_provider_is_the_default_and_unknown_names_are_bad_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = build_registry(entry_points=False)
    assert RunLocks.from_env(registry).provider.name == "file"
    monkeypatch.setenv("CAD_LOCK_PROVIDER", "zookeeper")
    with pytest.raises(BadInputError, match="names no installed lock provider.*file, none"):
        RunLocks.from_env(registry)
    monkeypatch.setenv("CAD_LOCK_PROVIDER", "file")
    monkeypatch.setenv("CAD_LOCK_WAIT_SECONDS", "soon")
    with pytest.raises(BadInputError, match="CAD_LOCK_WAIT_SECONDS='soon' is not a number"):
        RunLocks.from_env(registry)


def test_an_unknown_provider_stops_cad_run_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAD_LOCK_PROVIDER", "zookeeper")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cad_core.cli.commands import main; main()",
            "run",
            "-c",
            "x",
            "-i",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr


def test_hold_takes_keys_in_sorted_order_and_releases_in_reverse() -> None:
    events: list[str] = []

    def acquire(key: str, timeout: float) -> Callable[[], None]:
        events.append(f"take {key}")
        return lambda: events.append(f"free {key}")

    class Plugin:
        @staticmethod
        @hookimpl
        def cad_lock_providers():  # type: ignore[no-untyped-def]
            yield LockProvider(name="recording", acquire=acquire)

    locks = RunLocks(build_registry([Plugin]).unique("cad_lock_providers")["recording"].item, 5)
    with locks.hold(["incident:Q1", "cluster:2abc", "incident:Q1"]):
        events.append("plan")
    assert events == [
        "take cluster:2abc",
        "take incident:Q1",
        "plan",
        "free incident:Q1",
        "free cluster:2abc",
    ]


def test_a_held_file_lock_makes_another_holder_wait_then_give_up() -> None:
    release = acquire_file_lock("incident:Q1", 0)
    try:
        with pytest.raises(LockUnavailable, match=r"another CAD run holds this incident \(Q1\)"):
            acquire_file_lock("incident:Q1", 0)
        acquire_file_lock("incident:Q2", 0)()  # other keys are free
    finally:
        release()
    acquire_file_lock("incident:Q1", 0)()  # free again once released


def test_the_file_lock_works_across_processes_and_dies_with_its_holder(
    lock_settings: Path,
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cad_core.run.locks import acquire_file_lock;"
            "release = acquire_file_lock('cluster:2abc', 30);"
            "print('held', flush=True); input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockUnavailable):
            acquire_file_lock("cluster:2abc", 0)
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs, the kernel drops the flock
        holder.wait()
    acquire_file_lock("cluster:2abc", 0)()
    assert [p.name for p in lock_settings.iterdir()] == [f"{lock_name('cluster:2abc')}.lock"]
