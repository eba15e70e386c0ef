"""The one-module plugin of docs/writing-plugins.md, installed into a fresh virtualenv.

It runs through `cad plugins`, `cad run` (manual), incident mode in `cad sandbox run
--check` (routed by its default route, no routing config), and its own tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


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

SERVICE = """
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def serve(tickets):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            cluster = parse_qs(urlsplit(self.path).query).get("cluster", [""])[0]
            self.answer([t for t in tickets if t["cluster"] == cluster])

        def do_POST(self):
            tickets.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.answer(tickets[-1])

        def answer(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
"""

CONFTEST = (
    SERVICE
    + """
import pytest


@pytest.fixture
def tickets(monkeypatch):
    held = []
    server = serve(held)
    monkeypatch.setenv("TICKETS_URL", f"http://127.0.0.1:{server.server_port}")
    yield held
    server.shutdown()
"""
)


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
    (root / "tests" / "conftest.py").write_text(CONFTEST)
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


@pytest.fixture
def tickets() -> Iterator[tuple[list[dict[str, Any]], str]]:
    namespace: dict[str, Any] = {}
    exec(SERVICE, namespace)
    held: list[dict[str, Any]] = []
    server = namespace["serve"](held)
    yield held, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def run(env_dir: Path, *args: str, url: str = "", cwd: Path | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
    env["TICKETS_URL"] = url
    return subprocess.run(
        [env_dir / "bin" / "python", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=cwd,
    )


def cad(env_dir: Path, *args: str, url: str = "") -> Any:
    return run(env_dir, "-c", "from cad_core.cli import main; main()", *args, url=url)


def test_the_plugin_is_one_short_module(project: Path) -> None:
    lines = [line for line in (project / "cad_ticket.py").read_text().splitlines() if line.strip()]
    assert len(lines) <= MAX_LINES
    tests = [line for line in (project / "tests" / "test_ticket.py").read_text().splitlines()]
    assert len([line for line in tests if line.strip()]) <= 30


def test_cad_plugins_lists_it(env_dir: Path) -> None:
    result = cad(env_dir, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    [plugin] = [p for p in json.loads(result.stdout)["plugins"] if p["name"] == "ticket"]
    assert (plugin["distribution"], plugin["status"]) == ("cad-ticket", "loaded")
    assert plugin["registrations"]["action_executors"] == ["tickets: open_ticket"]


def test_manual_runs_open_one_ticket(env_dir: Path, tickets: Any) -> None:
    held, url = tickets
    statuses = []
    for _ in range(2):
        args = ("run", "-c", "c1", "-i", "diskfull", "--no-prechecks", "--output", "json")
        result = cad(env_dir, *args, url=url)
        assert result.returncode == 0, result.stderr
        statuses += [a["status"] for a in json.loads(result.stdout)["actions"]]
    assert statuses == ["succeeded", "skipped_duplicate"]
    assert held == [{"cluster": "c1", "title": "Disk filling up"}]


def test_incident_mode_routes_by_its_default_route(
    env_dir: Path, project: Path, tickets: Any
) -> None:
    held, url = tickets
    scenario = str(project / "scenario.yaml")
    result = cad(env_dir, "sandbox", "run", "--check", scenario, "--output", "json", url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["chain"] == "diskfull"
    assert held == [{"cluster": "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q", "title": "Disk filling up"}]


def test_its_own_tests_pass_with_every_plugin_installed(env_dir: Path, project: Path) -> None:
    result = run(env_dir, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
