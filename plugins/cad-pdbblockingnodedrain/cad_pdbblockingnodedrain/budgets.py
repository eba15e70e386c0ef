"""Which PodDisruptionBudgets block the stalled drains, who owns their pods, and whether
scaling the workload would let the drain go on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

Obj = Mapping[str, Any]
NO_OWNER = "no owner"
UNSCALABLE_KINDS = ("DaemonSet", "Job", "Node")  # scaling these adds no replica elsewhere


def is_platform_namespace(namespace: str) -> bool:
    return namespace == "openshift" or namespace.startswith(("openshift-", "kube-"))


@attrs.frozen
class Blocking:
    namespace: str
    name: str
    min_available: str
    max_unavailable: str
    current_healthy: int
    expected_pods: int
    pods: tuple[str, ...]
    owners: tuple[str, ...]

    @property
    def platform(self) -> bool:
        return is_platform_namespace(self.namespace)

    @property
    def constraint(self) -> str:
        if self.min_available:
            return f"minAvailable {self.min_available}"
        return f"maxUnavailable {self.max_unavailable or '(unset)'}"


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def allows_no_disruption(budget: Obj) -> bool:
    return _int((budget.get("status") or {}).get("disruptionsAllowed")) == 0


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def blocking_budgets(
    budgets: list[dict[str, Any]],
    pods_on_stalled: list[dict[str, Any]],
    owner_of: Callable[[Obj], str],
    matches: Callable[[Any, Mapping[str, str]], bool],
) -> list[Blocking]:
    """Budgets allowing no disruption whose selector picks a pod on a stalled node.

    ``matches(selector, labels)`` is the kube client's ``selector_matches``."""
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for pod in pods_on_stalled:
        by_namespace.setdefault(str(_meta(pod).get("namespace", "")), []).append(pod)
    found = []
    for budget in budgets:
        status, spec = budget.get("status") or {}, budget.get("spec") or {}
        if not allows_no_disruption(budget) or spec.get("selector") is None:
            continue  # policy/v1: a budget without a selector selects no pod
        namespace = str(_meta(budget).get("namespace", ""))
        pods = [
            pod
            for pod in by_namespace.get(namespace, [])
            if matches(spec["selector"], _meta(pod).get("labels") or {})
        ]
        if not pods:
            continue
        owners = sorted({owner_of(pod) for pod in pods})
        found.append(
            Blocking(
                namespace=namespace,
                name=str(_meta(budget).get("name", "")),
                min_available=_text(spec.get("minAvailable")),
                max_unavailable=_text(spec.get("maxUnavailable")),
                current_healthy=_int(status.get("currentHealthy")),
                expected_pods=_int(status.get("expectedPods")),
                pods=tuple(sorted(str(_meta(pod).get("name", "")) for pod in pods)),
                owners=tuple(owners),
            )
        )
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def scaling_verdict(budget: Blocking) -> tuple[bool, str]:
    """(would scaling help?, why), following upstream's reasoning on the budget's numbers."""
    unhealthy = budget.expected_pods - budget.current_healthy
    unscalable = [o for o in budget.owners if o == NO_OWNER or o.split("/")[0] in UNSCALABLE_KINDS]
    if unscalable:
        return False, f"{', '.join(unscalable)} cannot be scaled; the budget has to change"
    if budget.max_unavailable:
        if budget.max_unavailable in ("0", "0%"):
            return False, "maxUnavailable 0 forbids every disruption; the budget has to change"
        return False, (
            f"{unhealthy} pod(s) are unhealthy beyond what maxUnavailable allows; they must "
            "recover first (look for anti-affinity, node selectors or resource limits)"
        )
    if budget.min_available == "100%":
        return False, "minAvailable 100% needs every pod healthy; the budget has to change"
    if unhealthy <= 0:
        return True, (
            f"one more replica would let the drain go on (healthy {budget.current_healthy}, "
            f"minAvailable {budget.min_available})"
        )
    return True, (
        f"more replicas may help once they become healthy: {unhealthy} of "
        f"{budget.expected_pods} pod(s) are unhealthy now; if new pods stay Pending, look "
        "for anti-affinity, node selectors or resource limits"
    )
