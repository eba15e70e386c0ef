"""Recognising user-workload-monitoring (UWM) misconfiguration in the ``monitoring``
ClusterOperator's ``Available`` condition.

The strings are the cluster-monitoring-operator's own and are matched verbatim
(case-sensitive substrings). Each symptom carries what CAD says about it, so a new symptom
is one entry in :data:`SYMPTOMS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from cad_errorbudgetburn import messages

# OpenShift <= 4.17 (reason InvalidConfiguration, which platform config errors share).
CONFIG_UNPARSEABLE = (
    'the User Workload Configuration from "config.yaml" key in the '
    '"openshift-user-workload-monitoring/user-workload-monitoring-config" ConfigMap could not '
    "be parsed"
)
# OpenShift >= 4.18 (cluster-monitoring-operator PR #2436, OCPBUGS-33863).
CONFIG_UNPARSEABLE_4_18 = (
    'invalid UWM configuration: the user workload monitoring configuration in "config.yaml" '
    "could not be parsed"
)
# From 4.18 this reason is set only when the UWM configuration alone is invalid.
CONFIG_INVALID_REASON_4_18 = "UserWorkloadInvalidConfiguration"
ALERTMANAGER_FAILED = (
    "UpdatingUserWorkloadAlertmanager: waiting for Alertmanager User Workload object changes "
    "failed: waiting for Alertmanager openshift-user-workload-monitoring/user-workload"
)
PROMETHEUS_NOT_READY = (
    'UpdatingUserWorkloadPrometheus: Prometheus "openshift-user-workload-monitoring/'
    'user-workload": NoPodReady'
)

Condition = Mapping[str, Any]


@attrs.frozen
class Symptom:
    """One known misconfiguration and everything CAD says about it."""

    key: str
    matches: Callable[[Condition], bool]
    note: str
    summary: str
    describe: Callable[[str], str]  # docs link -> service-log description
    silence_reason: str


def _message_has(*fragments: str) -> Callable[[Condition], bool]:
    def matches(condition: Condition) -> bool:
        message = condition.get("message") or ""
        return isinstance(message, str) and any(f in message for f in fragments)

    return matches


def _config_invalid(condition: Condition) -> bool:
    by_message = _message_has(CONFIG_UNPARSEABLE, CONFIG_UNPARSEABLE_4_18)(condition)
    return by_message or condition.get("reason") == CONFIG_INVALID_REASON_4_18


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        key="uwm-config-invalid",
        matches=_config_invalid,
        note=messages.CONFIG_INVALID_NOTE,
        summary=messages.CONFIG_INVALID_SUMMARY,
        describe=messages.config_invalid_description,
        silence_reason=messages.CONFIG_INVALID_SILENCE,
    ),
    Symptom(
        key="uwm-alertmanager-broken",
        matches=_message_has(ALERTMANAGER_FAILED),
        note=messages.ALERTMANAGER_NOTE,
        summary=messages.ALERTMANAGER_SUMMARY,
        describe=messages.alertmanager_description,
        silence_reason=messages.ALERTMANAGER_SILENCE,
    ),
    Symptom(
        key="uwm-prometheus-not-ready",
        matches=_message_has(PROMETHEUS_NOT_READY),
        note=messages.PROMETHEUS_NOTE,
        summary=messages.PROMETHEUS_SUMMARY,
        describe=messages.prometheus_description,
        silence_reason=messages.PROMETHEUS_SILENCE,
    ),
)


def first_available_condition(operator: Mapping[str, Any]) -> Condition | None:
    """The first condition of type ``Available``; later duplicates are ignored."""
    conditions: Iterable[Any] = ((operator.get("status") or {}).get("conditions")) or []
    return next(
        (c for c in conditions if isinstance(c, Mapping) and c.get("type") == "Available"), None
    )


def find_symptom(condition: Condition | None) -> Symptom | None:
    """The first known symptom the condition shows, in the order of :data:`SYMPTOMS`."""
    if condition is None:
        return None
    return next((s for s in SYMPTOMS if s.matches(condition)), None)
