"""Regular (non-editable) installs of a source tree, offline; not a bench itself.

The development venv installs CAD editable, which adds import finders and changes start-up
costs, and it can hold only one tree. A bench that needs a regular install (or two trees
side by side) builds wheels of the tree (``pip wheel --no-deps``, no build isolation, so no
network) and installs them with ``pip install --no-deps --no-index`` into a fresh venv.
The dependencies are not installed again: the new venv's site-packages links every entry
of the development venv's site-packages except CAD's own, so it looks exactly like a
regular install of the same versions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

# What an editable install of CAD put into the development venv: not carried over.
_OURS = ("cad_", "__editable__", "__pycache__")


def project_dirs(tree: Path) -> list[Path]:
    """cad-core (the tree's root) and every plugin under ``plugins/cad-*``."""
    plugins = sorted(p for p in tree.glob("plugins/cad-*") if (p / "pyproject.toml").exists())
    return [tree, *plugins]


def build_wheels(tree: Path, out: Path, only: list[str] | None = None) -> list[Path]:
    """Wheels of every distribution of ``tree``, or of the ``only`` ones (cad-core, cad-ocm)."""
    out.mkdir(parents=True, exist_ok=True)
    projects = project_dirs(tree)
    if only is not None:
        projects = [p for p in projects if ("cad-core" if p == tree else p.name) in only]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-w", str(out)]
        + [str(p) for p in projects],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return sorted(out.glob("*.whl"))


def make_venv(dest: Path, wheels: list[Path]) -> Path:
    """A venv at ``dest`` with ``wheels`` installed; returns its python."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(dest)], check=True)
    python = dest / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    site = Path(purelib)
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(_OURS) and not (site / entry.name).exists():
            (site / entry.name).symlink_to(entry)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", "--disable-pip-version-check"]
        + [str(w) for w in wheels],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return python


def source_copy(tree: Path, dest: Path) -> Path:
    """The tree's files without venvs, caches and build leftovers: setuptools writes
    ``build/`` folders into what it builds, and a stale one could leak into a wheel."""
    junk = shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
    )
    shutil.copytree(tree, dest, ignore=junk, symlinks=True)
    return dest


def installed_venv(tree: Path, workdir: Path, label: str) -> Path:
    """Wheels of ``tree`` installed into a new venv under ``workdir``; returns its python."""
    started = time.perf_counter()
    source = source_copy(tree, workdir / f"{label}-src")
    wheels = build_wheels(source, workdir / f"{label}-wheels")
    python = make_venv(workdir / f"{label}-venv", wheels)
    took = time.perf_counter() - started
    print(f"[{label}] {len(wheels)} wheels installed in {took:.0f} s", file=sys.stderr)
    return python


def clean_env(cache_home: str) -> dict[str, str]:
    """The environment without the development venv's traces (VIRTUAL_ENV, PYTHONPATH),
    with CAD's start-up caches in ``cache_home`` (a temporary venv's caches must not pile
    up in the user's home)."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["XDG_CACHE_HOME"] = cache_home
    return env
