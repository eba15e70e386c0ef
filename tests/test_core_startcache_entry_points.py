"""The start-up cache's entry points: fresh after installs, harmless when it cannot be written."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cad_core.plugins import startcache


def install(site: Path, name: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[cad]\n{name} = {name}_module\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("CAD_CACHE_DIR", str(tmp_path / "cache" / "cad"))
    monkeypatch.delenv("CAD_NO_ENTRY_POINT_CACHE", raising=False)
    return folder


def names() -> set[str]:
    return {ep.name for ep in startcache.entry_points()}


def test_an_install_into_a_known_site_folder_is_seen(site: Path) -> None:
    install(site, "first")
    assert "first" in names()
    assert "first" in names()  # served from the cache now
    time.sleep(0.01)  # a distinct mtime even on coarse file systems
    install(site, "second")
    os.utime(site)  # what pip's rename into site-packages does to the folder
    assert {"first", "second"} <= names()


def test_entries_point_at_their_dist_info(site: Path) -> None:
    install(site, "first")
    [entry] = [ep for ep in startcache.entry_points() if ep.name == "first"]
    assert entry.value == "first_module"
    assert entry.dist_path is not None and entry.dist_path.endswith("first-1.0.dist-info")
    assert (entry.distribution, entry.version) == ("first", "1.0")  # no metadata read later


def test_an_unwritable_cache_folder_means_no_cache(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("CAD_CACHE_DIR", str(blocker / "cad"))
    install(site, "first")
    assert "first" in names()


def test_a_corrupt_cache_file_is_rebuilt(site: Path, tmp_path: Path) -> None:
    install(site, "first")
    names()
    [cache] = list((tmp_path / "cache" / "cad").glob("*.cache"))
    cache.write_text("{not json")
    assert "first" in names()


def test_the_cache_can_be_turned_off(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAD_NO_ENTRY_POINT_CACHE", "1")
    install(site, "first")
    assert "first" in names()
    assert not (tmp_path / "cache" / "cad").exists()
