"""A tiny chat service on loopback: what the executor talks to in the tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Messages the service holds; CAD_EXAMPLE_CHAT_URL points at it."""
    messages: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            channel = parse_qs(urlsplit(self.path).query).get("channel", [""])[0]
            self._answer(200, [m for m in messages if m["channel"] == channel])

        def do_POST(self) -> None:  # noqa: N802
            messages.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self._answer(201, messages[-1])

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("CAD_EXAMPLE_CHAT_URL", f"http://127.0.0.1:{server.server_port}")
    yield messages
    server.shutdown()
    server.server_close()
