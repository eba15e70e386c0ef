"""The executor for chat_message: talks to the chat service at CAD_EXAMPLE_CHAT_URL.

The service keeps messages per channel: ``GET {url}/messages?channel=ops`` lists them,
``POST {url}/messages`` adds one. The duplicate check asks the service itself, so a
re-run of CAD (another process, another day) never posts the same message twice.
"""

from __future__ import annotations

import os
from typing import Any

from cad_core.errors import MissingSettingError, PermanentError, TransientError

SETTING = "CAD_EXAMPLE_CHAT_URL"


def _url() -> str:
    url = os.environ.get(SETTING, "").rstrip("/")
    if not url:
        raise MissingSettingError([SETTING], "where chat messages are posted")
    return url + "/messages"


def _call(method: str, **kwargs: Any) -> Any:
    import requests  # here, not at module level: `cad --help` stays fast

    try:
        response = requests.request(method, _url(), timeout=10, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise TransientError(f"chat unreachable: {error}") from None
    if response.status_code == 429 or response.status_code >= 500:
        # Typed errors let the core's single retry layer decide: 429/5xx retry, others fail.
        retry_after = response.headers.get("Retry-After")
        raise TransientError(
            f"chat answered {response.status_code}", float(retry_after) if retry_after else None
        )
    if response.status_code >= 400:
        raise PermanentError(f"chat refused the request: HTTP {response.status_code}")
    return response.json() if response.content else None


def post_message(action: Any, ctx: Any) -> None:
    _call("POST", json={"channel": action.channel, "text": action.text})
    ctx.log.info("posted to #%s", action.channel)


def already_posted(action: Any, ctx: Any) -> str | None:
    # Read-only: dry-run calls it too.
    messages = _call("GET", params={"channel": action.channel}) or []
    if any(message.get("text") == action.text for message in messages):
        return f"#{action.channel} already has this message"
    return None


def describe(action: Any, ctx: Any) -> str:
    return f"post to #{action.channel}: {action.text!r}"
