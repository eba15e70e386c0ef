"""Small HTTP helpers shared by the interceptor's applications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class HttpError(Exception):
    """An answer other than 200: ``status`` line, a short ``reason`` and a ``detail``."""

    def __init__(
        self, status: str, reason: str, detail: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(f"{reason}: {detail}")
        self.status, self.reason, self.detail, self.headers = status, reason, detail, headers


def reply(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str,
    extra: tuple[tuple[str, str], ...] = (),
) -> list[bytes]:
    # The server adds "Connection: close" (see server.ClosingTask).
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    start_response(status, headers)
    return [body]
