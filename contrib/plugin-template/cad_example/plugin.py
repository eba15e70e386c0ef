"""Hook implementations only; logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

import cad_example.actions  # noqa: F401  (registers the chat_message type)
from cad_core import ActionExecutor, Investigation, Setting, hookimpl
from cad_core.checks import url_check


@hookimpl
def cad_settings() -> Iterator[Setting]:
    # Declared, so CAD checks it at start-up (exit 2 naming it) and lists it in `cad plugins`.
    # A token would be declared with secret=True, and CAD would keep it out of every log.
    yield Setting(
        name="CAD_EXAMPLE_CHAT_URL",
        description="where chat messages are posted",
        check=url_check("https", "http"),
    )


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_example import chat

    yield ActionExecutor(
        name="example-chat",
        action_types=("chat_message",),
        execute=chat.execute_chat_message,
        already_applied=chat.chat_message_applied,
        describe=chat.describe_chat_message,
    )


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    from cad_example.investigation import hello

    yield Investigation(
        name="example-hello",
        run=hello,
        aliases=("hello",),
        description="posts a chat message about the cluster",
    )
