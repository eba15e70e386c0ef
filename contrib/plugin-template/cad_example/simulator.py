"""The chat service as `cad sandbox` and the tests simulate it (hook in plugin.py).

Its world section is a list of messages, ``{"channel": ..., "text": ...}``; a scenario
seeds it under the top-level key ``chat:``. The routes mirror what chat.py calls:
``GET /messages?channel=ops`` lists a channel, ``POST /messages`` adds one.
"""

from __future__ import annotations

from typing import Any

from cad_core import SimError, SimRequest, SimResponse


def seed(messages: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The section: the scenario's messages, each checked so a typo fails at load time."""
    for message in messages or []:
        if not isinstance(message, dict) or set(message) != {"channel", "text"}:
            raise ValueError(f"each message needs exactly channel and text, got {message!r}")
    return list(messages or [])


def list_messages(request: SimRequest, messages: list[dict[str, Any]]) -> Any:
    return [m for m in messages if m["channel"] == request.query.get("channel")]


def post_message(request: SimRequest, messages: list[dict[str, Any]]) -> SimResponse:
    message = request.json()
    if not isinstance(message, dict) or not message.get("channel") or not message.get("text"):
        raise SimError(400, "a message needs a channel and a text")
    messages.append({"channel": message["channel"], "text": message["text"]})
    return SimResponse(201, messages[-1])


ROUTES = {"GET /messages": list_messages, "POST /messages": post_message}
