"""Malformed URL settings stop `cad run` before any request: one line naming the
variable, exit code 2 (issue 14.11: they used to fail mid-run, exit 1, and escalate)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD = {
    "CAD_OCM_URL": "https://127.0.0.1:9",
    "CAD_OCM_TOKEN_URL": "https://127.0.0.1:9/token",
    "CAD_OCM_CLIENT_ID": "id",
    "CAD_OCM_CLIENT_SECRET": "ocm-secret-value",
    "BACKPLANE_URL": "https://127.0.0.1:9",
}
BAD = [
    "api.openshift.com",
    "http://api.openshift.com",
    "ftp://api.openshift.com",
    "https://",
    "https:///path",
    "https://api.openshift.com:99999",
    "https://api.openshift.com:port",
    "https://exa mple.com",
    "https://user:pw@api.openshift.com",
    "https://[::1",
    "https://api.openshift.com/?q=1",
    "https://api.openshift.com\n/x",
]


@pytest.mark.parametrize("name", ["CAD_OCM_URL", "CAD_OCM_TOKEN_URL", "BACKPLANE_URL"])
@pytest.mark.parametrize("value", BAD)
def test_a_malformed_url_is_one_line_exit_2_naming_the_variable(name: str, value: str) -> None:
    env = {**os.environ, **GOOD, name: value}
    result = subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
        + ["run", "-c", "2abc", "-i", "precheck"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith(f"cad: error: {name}="), result.stderr
    assert "ocm-secret-value" not in result.stderr
