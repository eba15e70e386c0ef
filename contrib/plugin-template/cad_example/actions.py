"""A new action type. Importing this module registers it with the core's converter."""

from __future__ import annotations

from typing import ClassVar

import attrs

from cad_core import Action, register_action_type
from cad_core.errors import ActionValidationError


def _not_blank(instance: Action, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not value.strip():
        raise ActionValidationError(f"{instance.type_id}: {attribute.name} must not be empty")


@register_action_type
@attrs.frozen
class ChatMessage(Action):
    """Post a message to a team chat channel."""

    type_id: ClassVar[str] = "chat_message"
    # Declarations tell the engine how to schedule it; none needed: it runs in parallel.

    channel: str = attrs.field(validator=_not_blank)
    text: str = attrs.field(validator=_not_blank)

    def summary_line(self) -> str:
        return f"chat message to #{self.channel}: {self.text}"
