"""What CAD recommends for each affected machine or node, grouped for the note."""

from __future__ import annotations

import enum

import attrs

MACHINE_NAMESPACE = "openshift-machine-api"


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
            if not chosen:
                continue
            lines = [f"{advice.value}:"] + [f"- {item.target}: {item.why}" for item in chosen]
            if advice is Advice.DELETE_MACHINE:
                names = " ".join(item.target for item in chosen)
                lines.append(f"  oc delete machine -n {MACHINE_NAMESPACE} {names}")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
