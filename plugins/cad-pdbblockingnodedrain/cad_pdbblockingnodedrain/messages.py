"""Every text this investigation writes (SRE-facing: notes, report, escalation)."""

from __future__ import annotations

from cad_core.plan.caps import named

from cad_pdbblockingnodedrain.budgets import Blocking
from cad_pdbblockingnodedrain.nodes import STALLED_AFTER, Draining, duration

THRESHOLD = duration(STALLED_AFTER)


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so nothing was checked ({error})."


ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; the stalled drain needs a human"
ESCALATE_NO_STALL = "CAD found no node stuck draining although the alert fired; please take a look"
ESCALATE_DONE = "CAD looked at the stalled drains and what blocks them; see its notes"
NO_DRAINING = "Draining nodes: none right now"


NAMES_SHOWN = 20  # a budget over thousands of pods would otherwise fill the note


def names(items: tuple[str, ...] | list[str]) -> str:
    """The first names, then how many more: the note stays readable at any cluster size."""
    return named(items, NAMES_SHOWN)


def listing(title: str, lines: list[str]) -> str:
    return f"{title}:\n  " + "\n  ".join(lines)


def recent(drains: list[Draining]) -> str:
    title = f"Draining nodes: {len(drains)} started less than {THRESHOLD} ago"
    return listing(title, [d.describe() for d in drains])


def none_stalled(count: int) -> str:
    return f"Draining nodes: {count} draining, none for longer than {THRESHOLD}"


def stalled(drains: list[Draining], total: int) -> str:
    title = f"Draining nodes: {len(drains)} of {total} stuck for longer than {THRESHOLD}"
    return listing(title, [d.describe() for d in drains])


def read_failed(what: str, error: str) -> str:
    return f"Blocking budgets: could not list {what}, so no budget was checked ({error})"


NO_BLOCKING = "Blocking budgets: no budget that allows no disruption holds a pod on those nodes"


def blocking(budgets: list[Blocking]) -> str:
    ordered = sorted(budgets, key=lambda b: (b.platform, b.namespace, b.name))
    lines = []
    for budget in ordered:
        who = "platform" if budget.platform else "customer"
        lines.append(
            f"{budget.namespace}/{budget.name} [{who}] ({budget.constraint}, healthy "
            f"{budget.current_healthy} of {budget.expected_pods})\n"
            f"    owned by: {names(budget.owners)}\n"
            f"    pods on stuck nodes: {names(budget.pods)}"
        )
    return listing(f"Blocking budgets: {len(budgets)} allow no disruption", lines)


def customer_advice(count: int) -> str:
    return (
        f"{count} budget(s) belong to the customer: the customer can relax the budget or "
        "scale the workload so a pod may be evicted"
    )


def platform_advice(count: int) -> str:
    return (
        f"{count} budget(s) belong to the platform: check the health of the nodes, and "
        "raise it with engineering if a platform component keeps blocking upgrades"
    )


HEALTHY_NODES = "Node health: every node that is not draining is Ready, without pressure"


def unhealthy_nodes(lines: list[str]) -> str:
    title = (
        f"Node health: {len(lines)} node(s) not draining are unhealthy, so evicted pods "
        "may not find a place"
    )
    return listing(title, lines)


def scaling(helps: bool, lines: list[str], unhealthy_nodes: int) -> str:
    if helps:
        title = f"Scaling: would unblock {len(lines)} budget(s)"
        if unhealthy_nodes:
            lines = [
                *lines,
                f"but {unhealthy_nodes} unhealthy node(s) may keep new replicas from starting",
            ]
    else:
        title = f"Scaling: would not unblock {len(lines)} budget(s)"
    return listing(title, lines)
