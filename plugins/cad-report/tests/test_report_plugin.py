"""`--output html` reaches cad-report only through the `cad_output_formats` hook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
RUN = ["run", "-c", "cluster-1", "-i", "brokenpage", "--no-prechecks", "--dry-run"]
PLUGIN = """
from cad_core import Investigation, InvestigationResult, OutputFormat, hookimpl


def broken(record):
    raise RuntimeError("the renderer is broken")


@hookimpl
def cad_investigations():
    yield Investigation(name="brokenpage", run=lambda ctx: InvestigationResult())


@hookimpl
def cad_output_formats():
    yield OutputFormat(name="html", render=broken)
"""


def _cad(*args: str, disable: str, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAD_DISABLE_PLUGINS": disable, "CAD_NO_ENTRY_POINT_CACHE": "1"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([*CAD, *args], env=env, capture_output=True, text=True, timeout=120)


def _install_broken_renderer(site: Path) -> None:
    (site / "cad_brokenpage.py").write_text(PLUGIN)
    info = site / "cad_brokenpage-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cad-brokenpage\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[cad]\nbrokenpage = cad_brokenpage\n")


def test_without_cad_report_html_is_refused_before_anything_runs() -> None:
    result = _cad("run", "-c", "cluster-1", "-i", "chgm", "-o", "html", disable="report")
    assert result.returncode == 2
    assert "no installed plugin writes 'html': pip install cad-report" in result.stderr
    assert "chgm" not in result.stdout


def test_a_renderer_that_raises_leaves_the_record_as_json(tmp_path: Path) -> None:
    _install_broken_renderer(tmp_path)
    result = _cad(*RUN, "-o", "html", disable="report", site=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--output html failed (the renderer is broken)" in result.stderr
    assert json.loads(result.stdout)["mode"] == "manual"
