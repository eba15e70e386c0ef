"""A third-party plugin written against the module paths of before 0.2 still loads and runs.

The plugin is installed the way pip leaves a distribution (a package beside its
``.dist-info`` with an ``entry_points.txt``) and run through the real ``cad`` command: its
old imports load (with a DeprecationWarning) and its investigation's plan is carried out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PLUGIN = """
from cad_core.actions import ClusterReport
from cad_core.context import ExecutionContext, InvestigationContext
from cad_core.engine.report import Status
from cad_core.hookspecs import hookimpl
from cad_core.notes import Notes
from cad_core.registrations import ActionExecutor, Investigation, InvestigationResult
from cad_core.plugins import get_registry


def look(ctx: InvestigationContext) -> InvestigationResult:
    assert isinstance(ctx.notes, Notes) and get_registry() is not None
    report = ClusterReport(cluster_id=ctx.cluster_id, summary="old paths", data="still load")
    return InvestigationResult(actions=[report])


def keep(action: ClusterReport, ctx: ExecutionContext) -> None:
    assert Status.SUCCEEDED.value == "succeeded"


@hookimpl
def cad_investigations():
    yield Investigation(name="oldpaths", run=look, description="written before 0.2")


@hookimpl
def cad_action_executors():
    yield ActionExecutor(name="oldpaths-report", action_types=("cluster_report",), execute=keep)
"""


def _install(site: Path) -> None:
    (site / "cad_oldpaths.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "cad_oldpaths-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cad-oldpaths\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[cad]\noldpaths = cad_oldpaths\n")


def test_a_plugin_on_the_old_paths_installs_and_runs(tmp_path: Path) -> None:
    _install(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"},
        "PYTHONPATH": str(tmp_path),
        "PYTHONWARNINGS": "always::DeprecationWarning",
        "CAD_NO_ENTRY_POINT_CACHE": "1",
        "CAD_EXECUTORS": "",
    }
    command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
    args = ["run", "-c", "cluster-1", "-i", "oldpaths", "--no-prechecks", "-o", "json"]
    args += ["--config", str(_config(tmp_path))]
    result = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    statuses = {a["type"]: a["status"] for a in record["actions"]}
    assert statuses["cluster_report"] == "succeeded", record
    assert "cad_core.actions moved to cad_core.plan.actions" in result.stderr


def _config(folder: Path) -> Path:
    path = folder / "routing.yaml"
    path.write_text("executors:\n  cluster_report: oldpaths-report\n")
    return path
