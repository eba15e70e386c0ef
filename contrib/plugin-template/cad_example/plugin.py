"""Hook implementations only; logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

import cad_example.actions  # noqa: F401  (registers the chat_message type)
from cad_core import (
    ActionExecutor,
    DefaultRoute,
    Investigation,
    SandboxSimulator,
    Setting,
    hookimpl,
)


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_example import chat

    yield chat.CHAT_URL


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_example import chat

    yield ActionExecutor(
        name="example-chat",
        action_types=("chat_message",),
        execute=chat.post_message,
        already_applied=chat.already_posted,
        describe=chat.describe,
        settings=(chat.SETTING,),  # a plan is refused before its first write when unset
    )


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    from cad_example.investigation import hello

    yield Investigation(
        name="example-hello",
        run=hello,
        aliases=("hello",),
        description="posts a chat message about the cluster",
        # Incident mode: an alert titled "...ExampleHello..." runs it with no routing config.
        default_route=DefaultRoute(alert_titles=("ExampleHello",)),
    )


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    # Read only by cad-sandbox (`cad sandbox run`, the tests' cad_simulator fixture).
    from cad_example import chat, simulator

    yield SandboxSimulator(
        name="chat",  # scenario key `chat:`, world section, request-log service
        setting=chat.SETTING,  # set to the simulator's URL for the run
        routes=simulator.ROUTES,
        seed=simulator.seed,
        description="the team chat service",
    )
