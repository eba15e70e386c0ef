"""Scenarios are shipped by the plugins that own them and found through the
``cad_sandbox.scenarios`` entry-point group; cad-sandbox ships none of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from cad_sandbox.catalog import GROUP, bundled_examples
from cad_sandbox.commands import default_config
from cad_sandbox.fixtures import bundled_scenarios

STOPPED = "chgm-customer-stopped-instances"


def cad(*args: str, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pythonpath), sys.path[0]])}
    return subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def install_scenario_plugin(root: Path, package: str, scenarios: dict[str, str]) -> Path:
    """A real (if tiny) installed distribution: a package with scenarios/ and an entry point."""
    folder = root / package / "scenarios"
    folder.mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    for name, text in scenarios.items():
        (folder / f"{name}.yaml").write_text(text)
    info = root / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{package} = {package}\n")
    return root


def test_cad_sandbox_ships_no_scenario_of_its_own() -> None:
    package = Path(str(resources.files("cad_sandbox")))
    assert [path.name for path in package.rglob("*.yaml")] == []


def test_the_default_routing_is_made_from_what_is_installed() -> None:
    # Sandbox routes (scenarios/_routes.yaml) are not scenarios; they route investigations
    # without a default route, next to the default routes and chain heads plugins declare.
    assert not any(name.startswith("_") for name in bundled_examples())
    routing = yaml.safe_load(Path(default_config()).read_text(encoding="utf-8"))
    routes = {alert["alert_title"]: alert["investigations"] for alert in routing["alerts"]}
    assert routes["ClusterProvisioningDelay -"] == ["cpd"]  # cad-cpd's sandbox route
    assert routes["has gone missing"] == ["chgm"]  # cad-chgm's default route
    assert routing["chain_heads"] == ["precheck", "ccam"]  # cad-ocm's, in its order


def test_each_plugin_s_scenarios_are_found_by_name() -> None:
    found = bundled_examples()
    assert found[STOPPED].parent.parent.name == "cad_chgm"
    assert found["cpd-row1-cluster-ready"].parent.parent.name == "cad_cpd"
    assert found["org-routing-unmapped"].parent.parent.name == "cad_pagerduty"
    assert bundled_scenarios("mhc-") and all(
        n.startswith("mhc-") for n in bundled_scenarios("mhc-")
    )


def test_a_third_party_plugin_s_scenario_runs_by_name(tmp_path: Path) -> None:
    text = bundled_examples()[STOPPED].read_text()
    root = install_scenario_plugin(tmp_path, "cad_disk_demo", {"disk-demo-stopped": text})
    result = cad("sandbox", "run", "disk-demo-stopped", "--check", pythonpath=root)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_two_plugins_shipping_one_name_is_one_clear_line(tmp_path: Path) -> None:
    text = yaml.safe_dump({"name": STOPPED})
    root = install_scenario_plugin(tmp_path, "cad_copycat", {STOPPED: text})
    result = cad("sandbox", "run", STOPPED, pythonpath=root)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"scenario {STOPPED!r} is shipped by plugins" in result.stderr
    assert "'chgm'" in result.stderr and "'cad_copycat'" in result.stderr


def test_an_unknown_name_lists_what_is_installed(tmp_path: Path) -> None:
    result = cad("sandbox", "run", "no-such-scenario", pythonpath=tmp_path)
    assert result.returncode == 2
    assert "neither a file nor a scenario an installed plugin ships" in result.stderr
    assert STOPPED in result.stderr


@pytest.mark.parametrize("name", ["pdb-", "certs-"])
def test_bundled_scenarios_still_select_by_prefix(name: str) -> None:
    assert bundled_scenarios(name)
