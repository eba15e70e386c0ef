"""What an executor may know about the plan it is part of: the actions, their progress.

The engine hands every executor of a plan one :class:`PlanView` as ``ctx.plan``. It is
the plan being carried out (after policies), as a sequence, with two questions about the
other actions: ``status_of(action)``, the outcome status of another action once it has
settled (else None; a dry-run assumes each succeeds), and ``closing_due(action)``, True
when every other action has taken effect and only the closing ones (``needs_clean_plan``,
such as the incident title) are left, so the executor of ``action`` may carry their
change in its own request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import attrs

if TYPE_CHECKING:
    from cad_core.plan.actions import Action


def _actions(value: Iterable[Action]) -> tuple[Action, ...]:
    return tuple(value)


def _never_settled(_action: Action) -> str | None:
    return None


def _not_due(_action: Action) -> bool:
    return False


@attrs.frozen
class PlanView(Sequence["Action"]):
    """The plan being carried out, and the progress of its other actions (see module)."""

    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
    status_of: Callable[[Action], str | None] = _never_settled
    closing_due: Callable[[Action], bool] = _not_due

    def index(self, action: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of this very action (by identity: equal actions may repeat)."""
        end = len(self.actions) if stop is None else stop
        for position in range(start, end):
            if self.actions[position] is action:
                return position
        raise ValueError("action is not part of this plan")

    @overload
    def __getitem__(self, index: int) -> Action: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Action, ...]: ...

    def __getitem__(self, index: int | slice) -> Action | tuple[Action, ...]:
        return self.actions[index]

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)
