"""The executor for chat_message: talks to the chat service at CAD_EXAMPLE_CHAT_URL.

The service keeps messages per channel: ``GET {url}/messages?channel=ops`` lists them,
``POST {url}/messages`` adds one. The duplicate check asks the service itself, so a
re-run of CAD (another process, another day) never posts the same message twice.
"""

from __future__ import annotations

from typing import Any

from cad_core.errors import MissingSettingError
from cad_core.http import session
from cad_core.plan.caps import WriteLimit
from cad_core.plugins.checks import url_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import setting

SETTING = "CAD_EXAMPLE_CHAT_URL"
# Declared (plugin.py yields it from cad_settings) and read through the declaration:
# `cad config check` checks it, `cad plugins` lists it.
CHAT_URL = Setting(SETTING, "base URL of the chat service", check=url_check("https", "http"))
# What the service takes per message. Name the page that states it; this one is invented.
TEXT = WriteLimit("chat message text", 4_000, "the chat service's API reference")


def _url() -> str:
    url = setting(CHAT_URL).rstrip("/")
    if not url:
        raise MissingSettingError([SETTING], "where chat messages are posted")
    return url


def _call(method: str, **kwargs: Any) -> Any:
    # cad_core.http: a timeout on every call, the trust bundle, and failures as typed
    # errors (connection errors, resets, timeouts, 429, 5xx: TransientError; other 4xx:
    # PermanentError), so the core's single retry layer decides what is retried.
    response = session(_url()).request(method, "/messages", **kwargs)
    return response.json() if response.content else None


def post_message(action: Any, ctx: Any) -> None:
    # Fitted here, in the executor: a long text from any investigation fits, with a count
    # of what was left out.
    _call("POST", json={"channel": action.channel, "text": TEXT.fit(action.text)})
    ctx.log.info("posted to #%s", action.channel)


def already_posted(action: Any, ctx: Any) -> str | None:
    # Read-only: dry-run calls it too.
    messages = _call("GET", params={"channel": action.channel}) or []
    if any(message.get("text") == TEXT.fit(action.text) for message in messages):
        return f"#{action.channel} already has this message"
    return None


def describe(action: Any, ctx: Any) -> str:
    return f"post to #{action.channel}: {action.text!r}"
