"""What a process imports on each path, checked in fresh interpreters (never timings).

`cad --help` lists plugin commands by name and one-line help only; a sandbox run without
a Pushgateway never loads prometheus_client.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cad_core.cli import LazyCommand, cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
STOPPED = SHARED / "scenarios" / "chgm-customer-stopped-instances.yaml"
NOT_FOR_HELP = (
    "boto3",
    "botocore",
    "pagerduty",
    "httpx2",
    "requests",
    "prometheus_client",
    "importlib.resources",
    "backoff",
    "yaml",
)
PROBE = """
import json, os, sys
from cad_core.cli import main
try:
    main({args!r})
except SystemExit:
    pass
sys.stdout.flush()
os.write(2, ("MODULES " + json.dumps(sorted(sys.modules)) + "\\n").encode())
"""


def modules_after(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def test_help_imports_no_client_library_and_no_sandbox_internals() -> None:
    modules_after(["--help"])  # the first may fill the entry-point cache (importlib.metadata)
    loaded = modules_after(["--help"])
    assert not {name for name in NOT_FOR_HELP if name in loaded}
    sandbox = {name for name in loaded if name.split(".")[0] == "cad_sandbox"}
    assert sandbox <= {"cad_sandbox", "cad_sandbox.plugin"}


def test_the_lazy_sandbox_command_runs_and_shows_its_own_help() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert result.exit_code == 0, result.output
    assert "run" in result.output and "serve" in result.output
    listing = CliRunner().invoke(cli, ["--help"])
    assert "sandbox" in listing.output and "Simulated PagerDuty" in listing.output


def test_a_lazy_command_naming_no_command_is_an_error() -> None:
    with pytest.raises(TypeError, match="is not a click command"):
        LazyCommand("x", "cad_core.cli:OUTPUT", "x").load()
    assert isinstance(LazyCommand("x", "cad_core.cli:cli", "x").load(), click.Group)


@pytest.mark.skipif(not STOPPED.exists(), reason="needs the shared scenarios beside the repo")
def test_a_run_without_a_pushgateway_never_imports_prometheus_client() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "CAD_PROMETHEUS_PUSHGATEWAY"}
    env["CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"] = "1"
    loaded = modules_after(["sandbox", "run", "--check", str(STOPPED)], env)
    assert "cad_sandbox.harness" in loaded and "boto3" in loaded  # the run did happen
    assert "prometheus_client" not in loaded
