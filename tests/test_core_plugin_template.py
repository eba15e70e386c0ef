"""contrib/plugin-template installs into a fresh virtualenv and runs through `cad`."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

# A campaign (the plugin template installed into a fresh venv): pip's work costs seconds of CPU
# per install, so the everyday loop leaves it out; CI and --campaigns run it.
pytestmark = pytest.mark.campaign


TEMPLATE = Path(__file__).resolve().parents[1] / "contrib" / "plugin-template"
OTHER_PLUGINS = "ocm,pagerduty,chgm,errorbudgetburn,sandbox"


def make_venv(root: Path, project: Path, *more: Path) -> Path:
    """A new venv under ``root`` that sees this environment's packages (no downloads),
    with ``project`` (and ``more`` projects) installed into it."""
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # addsitedir (not a bare path) so the editable installs' own .pth files are processed too.
    ours = dict.fromkeys([sysconfig.get_path("purelib"), *site.getsitepackages()])
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in ours)
    Path(purelib, "outer-environment.pth").write_text(lines)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            str(project),
            *map(str, more),
        ],
        check=True,
        capture_output=True,
    )
    return env_dir


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv that sees this environment's packages (no downloads), plus the template."""
    root = tmp_path_factory.mktemp("template")
    source = root / "cad-example"
    shutil.copytree(TEMPLATE, source, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    return make_venv(root, source)


def cad(env_dir: Path, *args: str, others: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CAD_EXAMPLE_CHAT_URL": "http://127.0.0.1:9",
        "CAD_RETRY_BASE_DELAY": "0.01",
    }
    if not others:
        env["CAD_DISABLE_PLUGINS"] = OTHER_PLUGINS
    return subprocess.run(
        [env_dir / "bin" / "python", "-c", "from cad_core.cli.commands import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cad_plugins_lists_the_template(fresh_venv: Path) -> None:
    result = cad(fresh_venv, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    [plugin] = [p for p in json.loads(result.stdout)["plugins"] if p["name"] == "example"]
    assert (plugin["distribution"], plugin["status"]) == ("cad-example", "loaded")
    assert plugin["registrations"]["action_executors"] == ["example-chat: chat_message"]


def test_cad_run_plans_the_new_action_type(fresh_venv: Path) -> None:
    result = cad(
        fresh_venv,
        "run",
        "-c",
        "c1",
        "-i",
        "hello",
        "-p",
        "channel=ops",
        "--dry-run",
        "--output",
        "json",
    )
    assert result.returncode == 1, result.stderr  # no chat listens: its check would fail
    [action, *escalation] = json.loads(result.stdout)["actions"]
    assert action["status"] == "failed" and action["executor"] == "example-chat"
    assert {a["status"] for a in escalation} == {"dropped_by_policy"}  # a manual run
    assert action["payload"] == {
        "type": "chat_message",
        "channel": "ops",
        "text": "CAD looked at c1",
    }
    # Nothing listens on port 9: the preview says the duplicate check could not ask.
    assert action["reason"] == "would run: post to #ops: 'CAD looked at c1'"
    assert action["error"].startswith("would fail: its idempotency check raised: GET ")


def test_the_readme_command_works_with_every_plugin_installed(fresh_venv: Path) -> None:
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if " cad run " in f" {line}"]
    command = line.split("cad ", 1)[1].split("#")[0].split()
    assert "--no-prechecks" in command  # precheck (cad-ocm) would need OCM settings
    result = cad(fresh_venv, *command, "--output", "json", others=True)
    assert result.returncode == 1, result.stderr  # nothing listens: the check would fail
    record = json.loads(result.stdout)
    assert [i["name"] for i in record["investigations"]] == ["example-hello"]
    [action] = [a for a in record["actions"] if a["type"] == "chat_message"]
    assert action["status"] == "failed" and action["error"].startswith("would fail: ")


def test_the_template_passes_its_own_tests(fresh_venv: Path) -> None:
    # Every other plugin stays enabled: the template's tests load only their own plugin.
    env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
    result = subprocess.run(
        [
            fresh_venv / "bin" / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",  # a test run inside a worker starts no workers of its own
            str(TEMPLATE / "tests"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=TEMPLATE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_template_scenario_passes_its_check(fresh_venv: Path) -> None:
    # Every plugin installed, as a user would have it: routed by the template's default
    # route, its chat service simulated through the template's own simulator.
    scenario = str(TEMPLATE / "scenarios" / "example-hello.yaml")
    args = ("sandbox", "run", "--check", scenario, "--output", "json")
    result = cad(fresh_venv, *args, others=True)
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(result.stdout)
    assert [i["name"] for i in record["investigations"]][-1] == "example-hello"
    chat = [r for r in record["sandbox"]["requests"] if r["service"] == "chat"]
    assert [(r["method"], r["status"], r["write"]) for r in chat] == [
        ("GET", 200, False),
        ("POST", 503, True),
        ("GET", 200, False),
        ("POST", 201, True),
    ]
