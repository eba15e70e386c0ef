"""The standard plugins' default routes are upstream's alert titles, as docs/configuration.md
lists them: checked through the real ``cad config check`` with no routing config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROUTE_LINE = re.compile(
    r"^  '(?P<title>[^']+)'(?P<experimental> \(experimental\))?: .* -> (?P<inv>\S+) \["
)
DOC_ROW = re.compile(
    r"^\| `(?P<title>[^`]+)`(?P<experimental> \(experimental[^)]*\))? "
    r"\| `(?P<inv>[a-z0-9]+)` \| cad-[a-z]+ \|$"
)


def installed_routes() -> set[tuple[str, str, bool]]:
    env = {k: v for k, v in os.environ.items() if k != "CAD_INVESTIGATION_CONFIG_PATH"}
    env.pop("CAD_DISABLE_PLUGINS", None)
    cad = Path(sys.executable).with_name("cad")
    done = subprocess.run(
        [str(cad), "config", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = (ROUTE_LINE.match(line) for line in done.stdout.splitlines())
    return {(m["title"], m["inv"], bool(m["experimental"])) for m in found if m}


def documented_routes() -> set[tuple[str, str, bool]]:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    found = (DOC_ROW.match(line) for line in text.splitlines())
    return {(m["title"], m["inv"], bool(m["experimental"])) for m in found if m}


def test_every_standard_default_route_is_documented_and_every_documented_one_installed() -> None:
    documented = documented_routes()
    assert ("ClusterProvisioningDelay -", "cpd", False) in documented
    assert ("CannotRetrieveUpdatesSRE", "cannotretrieveupdatessre", True) in documented
    assert installed_routes() == documented
