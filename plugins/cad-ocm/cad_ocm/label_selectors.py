"""Matching labels against a kube ``LabelSelector`` (matchLabels and matchExpressions).

Investigations reach it as ``kube.selector_matches(selector, labels)`` on the ``kube``
resource's client, so no plugin keeps a copy (machinehealthcheck and pdbblockingnodedrain
both match objects they listed against a selector they read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SelectorError(ValueError):
    """A selector the apiserver would refuse too."""


def matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """An empty selector matches everything (as in the MachineHealthCheck API); callers
    decide what a missing one means (a PodDisruptionBudget without one selects no pod).
    A selector the apiserver would refuse raises :class:`SelectorError`, a ValueError."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    return all(_expression(item, labels) for item in selector.get("matchExpressions") or [])


def _expression(item: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator = item.get("key"), item.get("operator")
    values = set(item.get("values") or [])
    if not key:
        raise SelectorError("a matchExpressions entry names no key")
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise SelectorError(f"unknown selector operator {operator!r}")
