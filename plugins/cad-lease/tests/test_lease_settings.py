"""Issue 22.10: the Lease token is a declared secret, so CAD redacts it everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys

TOKEN = "lease-token-f00dfacecafe1234"

PROBE = """
import json
from cad_core.plugins.registry import get_registry
from cad_core.plugins.declared import secret_values
from cad_core.logs import redact
registry = get_registry()
settings = {s.item.name: s.item.secret for s in registry.registrations("cad_settings")}
print(json.dumps({"secrets": secret_values(), "redacted": redact("token=%s"),
                  "lease": {k: v for k, v in settings.items() if k.startswith("CAD_LEASE_")}}))
"""


def test_the_lease_token_is_declared_secret_and_redacted() -> None:
    env = {**os.environ, "CAD_LEASE_TOKEN": TOKEN}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.replace("%s", TOKEN)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert TOKEN in seen["secrets"]
    assert TOKEN not in seen["redacted"]
    assert seen["lease"]["CAD_LEASE_TOKEN"] is True
    assert set(seen["lease"]) >= {"CAD_LEASE_API_URL", "CAD_LEASE_DURATION_SECONDS"}


def test_a_malformed_lease_duration_is_one_line_and_exit_2() -> None:
    env = {**os.environ, "CAD_LEASE_DURATION_SECONDS": "soon"}
    done = subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run", "-c", "x"]
        + ["-i", "y"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "CAD_LEASE_DURATION_SECONDS" in done.stderr and "Traceback" not in done.stderr
