"""Every text this investigation writes (SRE-facing: notes, report, escalation)."""

from __future__ import annotations

from cad_core.plan.caps import named

SHOWN = 20  # names in one line, then a count


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so nothing was checked ({error})."


ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; the health checks need a human"
ESCALATE_NO_MACHINES = (
    "No machines were found behind the short-circuited health checks; please take a look"
)
ESCALATE_DONE = "CAD looked at the short-circuited health checks; see its recommendations"


def short_circuited(names: list[str]) -> str:
    if not names:
        return "Every MachineHealthCheck in openshift-machine-api may remediate"
    return f"{len(names)} MachineHealthCheck(s) may not remediate right now: {named(names, SHOWN)}"


def bad_selector(check: str, error: str) -> str:
    return f"MachineHealthCheck {check} has a selector CAD cannot read ({error}); skipped"


def list_failed(what: str, error: str) -> str:
    return f"CAD could not list the {what} in openshift-machine-api ({error})"


NO_MACHINES = "No machines were found behind the short-circuited health checks"
NOTHING_BROKEN = "None of their machines is being deleted or has failed"


def nodes_unreadable(error: str) -> str:
    return f"The nodes could not be listed, so node health was not checked ({error})"


def machines_without_node(names: list[str]) -> str:
    return f"{len(names)} machine(s) have no node yet: {named(names, SHOWN)}"


NO_ADVICE = "CAD has no recommendation for the machines and nodes it could read"


def recommendations(summary: str) -> str:
    return f"What CAD recommends:\n{summary}"
