"""The template's own tests: loaded through its entry point, run through the real engine."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from cad_core.engine import EngineSettings, execute_plan
from cad_core.engine.retry import RetryPolicy
from cad_core.metrics import Dispatcher
from cad_core.testing import make_execution_context


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CAD_EXAMPLE_CHAT_URL", f"http://127.0.0.1:{server.server_port}/hook")
    yield received
    server.shutdown()


def test_investigation_plan_is_carried_out(cad_registry: Any, chat: list[Any]) -> None:
    from cad_core.context import InvestigationContext, Resources
    from cad_core.notes import Notes

    registry = cad_registry(entry_points=True)
    assert registry.plugins["example"].distribution == "cad-example"
    investigation = registry.investigation("hello")
    ctx = InvestigationContext(
        name=investigation.name,
        cluster_id="c1",
        notes=Notes("x"),
        resources=Resources({}),
        params={"channel": "ops"},
    )
    result = investigation.run(ctx)
    exec_ctx = make_execution_context(registry, cluster_id="c1")
    settings = EngineSettings(retry=RetryPolicy(base_delay=0.01))
    outcomes = execute_plan(result.actions, exec_ctx, registry, Dispatcher({}), settings)
    assert [(o.type, o.status, o.executor) for o in outcomes] == [
        ("chat_message", "succeeded", "example-chat")
    ]
    assert chat == [{"channel": "ops", "text": "CAD looked at c1"}]
