"""Wheels of a subset of the distributions, as a new user installs them.

`pip install cad-core cad-pagerduty cad-ocm cad-sandbox cad-chgm` (no error-budget-burn):
the bundled scenario runs and passes `--check` because routes come from what is
installed. Third-party dependencies come from this environment (symlinked, no
downloads); every cad-* distribution is a wheel built once per session.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

# A campaign (plugin subsets installed into fresh venvs): pip's work costs seconds of CPU
# per install, so the everyday loop leaves it out; CI and --campaigns run it.
pytestmark = pytest.mark.campaign


ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT.parent / "shared" / "scenarios"


def _load_venvs() -> Any:
    # bench/_venvs.py builds regular installs of the tree for the benches; the tests
    # folder and bench/ are no packages, so load it by path rather than keep a copy.
    path = ROOT / "bench" / "_venvs.py"
    spec = importlib.util.spec_from_file_location("_cad_venvs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


venvs = _load_venvs()


SUBSET = ["cad-core", "cad-pagerduty", "cad-ocm", "cad-sandbox", "cad-chgm"]


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    # Built from a copy: setuptools writes build/ folders into what it builds, and tests
    # running meanwhile in other workers read the plugins' folders.
    source = venvs.source_copy(ROOT, tmp_path_factory.mktemp("source") / "tree")
    venvs.build_wheels(source, folder, only=SUBSET)  # what these tests install, not all 19
    return folder


def subset_venv(root: Path, wheels: Path, names: list[str]) -> Path:
    """A venv with the wheels of ``names`` only; dependencies linked from this one."""
    files = [w for n in names for w in wheels.glob(n.replace("-", "_") + "-*.whl")]
    assert len(files) == len(names), files
    python: Path = venvs.make_venv(root / "venv", files)
    return python.parent.parent


def cad(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    return subprocess.run(
        [env_dir / "bin" / "python", "-c", "from cad_core.cli.commands import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=env_dir,  # not the repository: cad_core must come from the wheel
    )


@pytest.fixture(scope="module")
def without_errorbudgetburn(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return subset_venv(tmp_path_factory.mktemp("subset"), wheels, SUBSET)


def test_the_subset_sees_only_what_it_installed(without_errorbudgetburn: Path) -> None:
    result = cad(without_errorbudgetburn, "config", "check")
    assert result.returncode == 0, result.stderr
    assert "'has gone missing': precheck -> ccam -> chgm [default route of cad-chgm" in (
        result.stdout
    )
    assert "clustermonitoringerrorbudgetburn" not in result.stdout


@pytest.mark.skipif(not SCENARIOS.is_dir(), reason="../shared/scenarios is not present")
def test_the_chgm_scenario_passes_without_errorbudgetburn(without_errorbudgetburn: Path) -> None:
    scenario = str(SCENARIOS / "chgm-customer-stopped-instances.yaml")
    result = cad(without_errorbudgetburn, "sandbox", "run", "--check", scenario)
    assert result.returncode == 0, result.stdout + result.stderr


def test_with_no_investigation_installed_incident_mode_says_what_is_missing(
    wheels: Path, tmp_path: Path
) -> None:
    env_dir = subset_venv(tmp_path, wheels, ["cad-core", "cad-pagerduty"])
    payload = tmp_path / "payload.json"
    payload.write_text('{"event": {"data": {"title": "x"}}}')
    result = cad(env_dir, "route", "--payload-path", str(payload))
    assert result.returncode == 2
    assert "install an investigation plugin that declares a default route" in result.stderr
    python = env_dir / "bin" / "python"
    where = [python, "-c", "import cad_core; print(cad_core.__file__)"]
    origin = subprocess.run(where, capture_output=True, text=True, cwd=env_dir, check=True)
    assert origin.stdout.startswith(str(env_dir))  # the wheel, not the repository
