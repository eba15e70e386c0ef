"""The executor for chat_message: posts JSON to CAD_EXAMPLE_CHAT_URL."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from cad_core import ExecutionContext
from cad_core.errors import MissingSettingError, PermanentError, TransientError
from cad_example.actions import ChatMessage


def _url() -> str:
    url = os.environ.get("CAD_EXAMPLE_CHAT_URL", "")
    if not url:
        raise MissingSettingError(["CAD_EXAMPLE_CHAT_URL"], "where chat messages are posted")
    return url


def execute_chat_message(action: ChatMessage, ctx: ExecutionContext) -> None:
    body = json.dumps({"channel": action.channel, "text": action.text}).encode()
    request = urllib.request.Request(
        _url(), data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as error:
        # Typed errors let the core's single retry layer decide: 429/5xx retry, others fail.
        retry_after = error.headers.get("Retry-After")
        if error.code == 429 or error.code >= 500:
            raise TransientError(
                f"chat answered {error.code}", float(retry_after) if retry_after else None
            ) from None
        raise PermanentError(f"chat refused the message: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise TransientError(f"chat unreachable: {error}") from None
    ctx.log.info("posted to #%s", action.channel)


def chat_message_applied(action: ChatMessage, ctx: ExecutionContext) -> str | None:
    # A real chat API would be asked here; the template remembers what this run posted.
    key = f"chat:{action.channel}:{action.text}"
    with ctx.shared_lock:
        if key in ctx.shared:
            return "the same message was already posted in this run"
        ctx.shared[key] = True
    return None


def describe_chat_message(action: ChatMessage, ctx: ExecutionContext) -> str:
    return f"post to #{action.channel}: {action.text!r}"
