"""The one-module plugin of docs/writing-plugins.md, installed into a fresh virtualenv.

It runs through `cad plugins`, `cad run` (manual and incident, against its simulated
ticket service kept up by `cad sandbox serve`), `cad sandbox run --check` (routed by its
default route, no routing config, its simulator seeded and checked by the scenario), and
its own tests (which use cad-sandbox's `cad_simulator` fixture, no server of their own).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# A campaign (a one-module plugin installed into a fresh venv): pip's work costs seconds of CPU
# per install, so the everyday loop leaves it out; CI and --campaigns run it.
pytestmark = pytest.mark.campaign


def _load_make_venv() -> Any:
    # The tests folder is no package (pytest's importlib mode): load the sibling by path.
    import importlib.util

    path = Path(__file__).with_name("test_core_plugin_template.py")
    spec = importlib.util.spec_from_file_location("_template_venv", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_venv


make_venv = _load_make_venv()

PAGE = Path(__file__).resolve().parents[1] / "docs" / "writing-plugins.md"
MAX_LINES = 40  # non-blank lines: a third-party plugin of llm-plugin weight
CAD = "from cad_core.cli.commands import main; main()"


def blocks(language: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cad-ticket")
    plugin, tests = blocks("python")
    (root / "cad_ticket.py").write_text(plugin)
    (root / "pyproject.toml").write_text(blocks("toml")[0])
    (root / "tests").mkdir()
    (root / "tests" / "test_ticket.py").write_text(tests)
    sandbox_page = PAGE.with_name("sandbox.md").read_text(encoding="utf-8")
    [scenario] = [
        block
        for block in re.findall(r"^```yaml\n(.*?)^```", sandbox_page, re.MULTILINE | re.DOTALL)
        if "name: disk-filling-up" in block
    ]
    (root / "scenario.yaml").write_text(scenario)  # the docs' scenario, as written
    return root


@pytest.fixture(scope="module")
def env_dir(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv"), project)


def outer_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
    return {**env, **extra}


def run(
    env_dir: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Any:
    return subprocess.run(
        [env_dir / "bin" / "python", *args],
        capture_output=True,
        text=True,
        env=env or outer_env(),
        timeout=180,
        cwd=cwd,
    )


def cad(env_dir: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return run(env_dir, "-c", CAD, *args, env=env)


@contextlib.contextmanager
def served(env_dir: Path, scenario: Path) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """`cad sandbox serve`: the exports it prints, then (after SIGTERM) its final world."""
    serve = subprocess.Popen(
        [env_dir / "bin" / "python", "-c", CAD, "sandbox", "serve", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=outer_env(),
    )
    world: dict[str, Any] = {}
    try:
        assert serve.stdout is not None
        exports = {}
        for line in serve.stdout:
            if line.startswith("# then: cad run --payload-path "):
                exports["PAYLOAD"] = line.strip().rsplit(" ", 1)[-1]  # the incident's webhook
                break
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
        yield exports, world
        serve.send_signal(signal.SIGTERM)
        _, err = serve.communicate(timeout=60)
        world.update(json.loads(err[err.index("{") :]))
    finally:
        serve.kill()
        serve.wait()


def test_the_plugin_is_one_short_module(project: Path) -> None:
    lines = [line for line in (project / "cad_ticket.py").read_text().splitlines() if line.strip()]
    assert len(lines) <= MAX_LINES
    tests = [line for line in (project / "tests" / "test_ticket.py").read_text().splitlines()]
    assert len([line for line in tests if line.strip()]) <= 30
    source = (project / "cad_ticket.py").read_text()
    assert "import cad_sandbox" not in source and "from cad_sandbox" not in source


def test_cad_plugins_lists_it(env_dir: Path) -> None:
    result = cad(env_dir, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    [plugin] = [p for p in json.loads(result.stdout)["plugins"] if p["name"] == "ticket"]
    assert (plugin["distribution"], plugin["status"]) == ("cad-ticket", "loaded")
    assert plugin["registrations"]["action_executors"] == ["tickets: open_ticket"]
    assert plugin["registrations"]["sandbox_simulators"] == ["tickets"]


def test_cad_run_manual_and_incident_against_its_simulated_service(
    env_dir: Path, project: Path
) -> None:
    statuses = []
    with served(env_dir, project / "scenario.yaml") as (exports, world):
        assert exports["TICKETS_URL"].startswith("https://127.0.0.1:")
        for _ in range(2):
            args = ("run", "-c", "c1", "-i", "diskfull", "--no-prechecks", "--output", "json")
            result = cad(env_dir, *args, env=outer_env(**exports))
            assert result.returncode == 0, result.stderr
            statuses += [a["status"] for a in json.loads(result.stdout)["actions"]]
        # Incident mode, as `cad sandbox serve` suggests: routed by the default route.
        args = ("run", "--payload-path", exports["PAYLOAD"], "--output", "json")
        result = cad(env_dir, *args, env=outer_env(**exports))
        assert result.returncode == 0, result.stderr
        incident = json.loads(result.stdout)
    assert statuses == ["succeeded", "skipped_duplicate"]
    assert incident["chain"] == "diskfull"
    assert world["tickets"][1:] == [
        {"cluster": "c1", "title": "Disk filling up"},
        {"cluster": "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q", "title": "Disk filling up"},
    ]


def test_incident_mode_checks_its_simulated_service(env_dir: Path, project: Path) -> None:
    scenario = str(project / "scenario.yaml")
    result = cad(env_dir, "sandbox", "run", "--check", scenario, "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(result.stdout)
    assert record["chain"] == "diskfull"
    tickets = record["sandbox"]["world"]["tickets"]
    assert tickets[1] == {"cluster": "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q", "title": "Disk filling up"}
    logged = [
        (r["method"], r["status"])
        for r in record["sandbox"]["requests"]
        if r["service"] == "tickets"
    ]
    assert logged == [("GET", 200), ("POST", 200)]


def test_a_fault_on_its_service_is_retried(env_dir: Path, project: Path) -> None:
    text = (project / "scenario.yaml").read_text()
    faulty = project / "faulty.yaml"
    fault = "faults:\n- {service: tickets, method: POST, path: /tickets, status: 503, times: 1}\n"
    faulty.write_text(text + fault)
    result = cad(
        env_dir,
        "sandbox",
        "run",
        "--check",
        str(faulty),
        "--output",
        "json",
        env=outer_env(CAD_RETRY_BASE_DELAY="0.01"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    requests = json.loads(result.stdout)["sandbox"]["requests"]
    logged = [(r["method"], r["status"]) for r in requests if r["service"] == "tickets"]
    # The engine asks the service again before it retries: one ticket, never two.
    assert logged == [("GET", 200), ("POST", 503), ("GET", 200), ("POST", 200)]


def test_its_own_tests_pass_with_every_plugin_installed(env_dir: Path, project: Path) -> None:
    result = run(
        env_dir,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "tests",
        cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_a_connection_reset_is_retried(env_dir: Path, project: Path) -> None:
    """The example talks HTTP through cad_core.http: a reset is a TransientError, retried."""
    text = (project / "scenario.yaml").read_text()
    reset = project / "reset.yaml"
    fault = "faults:\n- {service: tickets, method: POST, path: /tickets, kind: reset, times: 1}\n"
    reset.write_text(text + fault)
    args = ("sandbox", "run", "--check", str(reset), "--output", "json")
    result = cad(env_dir, *args, env=outer_env(CAD_RETRY_BASE_DELAY="0.01"))
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(result.stdout)
    [ticket] = [a for a in record["actions"] if a["type"] == "open_ticket"]
    assert (ticket["status"], ticket["attempts"]) == ("succeeded", 2)
    logged = [
        (r["method"], r["status"])
        for r in record["sandbox"]["requests"]
        if r["service"] == "tickets"
    ]
    assert logged == [("GET", 200), ("POST", "reset"), ("GET", 200), ("POST", 200)]
