"""What CAD recommends for each affected machine or node, grouped for the note."""

from __future__ import annotations

import enum

import attrs
from cad_core.plan.caps import first

MACHINE_NAMESPACE = "openshift-machine-api"
SHOWN = 20  # per kind of advice: the note stays readable at any cluster size


class Advice(enum.Enum):
    """One heading per kind of advice, in the order the note lists them."""

    DELETE_MACHINE = "Delete these machines so the machine API replaces them"
    QUOTA_SERVICE_LOG = "Send the customer a service log about their cloud quota for these machines"
    INVESTIGATE_MACHINE = "Look into these machines by hand"
    INVESTIGATE_NODE = "Look into these nodes by hand"


@attrs.frozen
class Recommendation:
    advice: Advice
    target: str  # the machine's or node's name
    why: str


@attrs.define
class Recommendations:
    items: list[Recommendation] = attrs.field(factory=list)

    def add(self, advice: Advice, target: str, why: str) -> None:
        self.items.append(Recommendation(advice, target, why))

    def __bool__(self) -> bool:
        return bool(self.items)

    def summary(self) -> str:
        blocks = []
        for advice in Advice:
            chosen = [item for item in self.items if item.advice is advice]
            if chosen:
                blocks.append("\n".join(_block(advice, chosen)))
        return "\n\n".join(blocks)


def _block(advice: Advice, chosen: list[Recommendation]) -> list[str]:
    """The advice, its first machines or nodes with why, and how many more share it."""
    shown, hidden = first(chosen, SHOWN)
    lines = [f"{advice.value}:"] + [f"- {item.target}: {item.why}" for item in shown]
    kind = "nodes" if advice is Advice.INVESTIGATE_NODE else "machines"
    if hidden:
        lines.append(f"- … and {hidden} more {kind} with the same advice")
    if advice is Advice.DELETE_MACHINE:
        names = " ".join(item.target for item in shown)
        lines.append(f"  oc delete machine -n {MACHINE_NAMESPACE} {names}")
        if hidden:
            lines.append(f"  (this names the {len(shown)} shown; check the others before deleting)")
    return lines
