"""`cad investigations`, run as a real process with the installed plugins, lists every
upstream investigation this branch ships under upstream's name, and upstream's manual-run
short names (pkg/controller/manual.go) as aliases, so `cad run -i <short name>` works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# upstream name -> upstream's short name (None: it has none, or it is the name itself)
UPSTREAM = {
    "precheck": None,
    "ccam": None,
    "chgm": None,
    "clustermonitoringerrorbudgetburn": "cmbb",
    "cpd": None,
    "insightsoperatordown": None,
    "upgradeconfigsyncfailureover4hr": "upgrade-config",
    "machinehealthcheckunterminatedshortcircuitsre": "machine-health-check",
    "cannotretrieveupdatessre": "can-not-retrieve-updates",
    "ocmagentresponsefailure": None,
    "consoleerrorbudgetburn": None,
    "expiredcertificates": None,
    "pdbblockingnodedrain": None,
}


def cad_investigations() -> dict[str, str]:
    cad = shutil.which("cad", path=str(Path(sys.executable).parent)) or "cad"
    env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
    out = subprocess.run(
        [cad, "investigations"], capture_output=True, text=True, check=True, env=env, timeout=60
    ).stdout
    # "name (alias: a, b) - description [distribution version]" -> {name: "(alias: a, b)"}
    listed = {}
    for line in out.splitlines():
        head = line.split(" - ", 1)[0]
        name, _, aliases = head.partition(" ")
        listed[name] = aliases
    return listed


def test_every_shipped_upstream_investigation_is_listed_with_upstreams_short_name() -> None:
    listed = cad_investigations()
    missing = [name for name in UPSTREAM if name not in listed]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"plugins not installed here: {', '.join(missing)}")
    assert not missing
    for name, short in UPSTREAM.items():
        if short is not None:
            assert short in listed[name], (name, listed[name])
