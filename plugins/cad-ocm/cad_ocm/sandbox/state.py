"""The OCM part of a sandbox world: the clusters with their service logs and limited-support
reasons, backplane's reports and remediations, the objects the kube API wrote, and the SSO
tokens issued; seeded from the scenario's ``ocm:``, ``kube:``, ``management_kube:`` and
``egress:`` sections. The AWS simulator reads ``aws:`` from the same scenario.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cad_core.plugins.simulation import SimWorld
from cad_core.plugins.simwire import BaseSimulator

from cad_ocm.sandbox.scenario import Cluster


@dataclass
class ClusterState:
    seed: Cluster
    external_id: str
    service_logs: list[dict[str, Any]] = field(default_factory=list)
    limited_support_reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.seed.id

    @property
    def subscription_id(self) -> str:
        return f"sub-{self.seed.id}"

    @property
    def account_id(self) -> str:
        return f"acct-{self.seed.organization_id}-owner"


@dataclass
class OcmState:
    """Everything the OCM, SSO, backplane and kube simulators share (under the world's lock)."""

    scenario: Any  # the loaded scenario: its sections are attributes, with ``now``
    clusters: dict[str, ClusterState]
    reports: list[dict[str, Any]] = field(default_factory=list)
    remediations: dict[str, str] = field(default_factory=dict)  # instance id -> cluster id
    management_remediations: set[str] = field(default_factory=set)  # on the management side
    # Objects the kube simulators created or updated, by side (kube_writes.py)
    kube_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    client_id: str = "cad-sandbox"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    tokens: set[str] = field(default_factory=set)

    @property
    def secrets(self) -> dict[str, str]:
        return {"ocm_client_id": self.client_id, "ocm_client_secret": self.client_secret}

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens.add(token)
        return token

    def token_is_issued(self, token: str) -> bool:
        return token in self.tokens

    def cluster(self, cluster_id: str) -> ClusterState | None:
        return self.clusters.get(cluster_id)

    def cluster_by_external_id(self, external_id: str) -> ClusterState | None:
        return next((c for c in self.clusters.values() if c.external_id == external_id), None)


class StateSimulator(BaseSimulator[SimWorld]):
    """A simulator of the OCM family: the sandbox's world, and this plugin's state in it."""

    def __init__(self, world: SimWorld, state: OcmState) -> None:
        self.state = state
        super().__init__(world)


def seed(scenario: Any) -> OcmState:
    clusters = {c.id: _seed_cluster(c, scenario.now) for c in scenario.ocm.clusters}
    return OcmState(scenario=scenario, clusters=clusters)


def render(state: OcmState) -> dict[str, Any]:
    """DESIGN §7's ``ocm`` and ``backplane`` entries (and ``kube_changes`` when written)."""
    return {
        "ocm": {"clusters": {c.id: _cluster_json(c) for c in state.clusters.values()}},
        "backplane": {
            "reports": [
                {"cluster_id": r["cluster_id"], "summary": r["summary"], "data": r["data"]}
                for r in state.reports
            ]
        },
        **({"kube_changes": dict(state.kube_changes)} if state.kube_changes else {}),
    }


def describe(world: Mapping[str, Any], _scenario: Any) -> list[str]:
    """Text lines for ``cad sandbox run``: what CAD left on each cluster."""
    lines = []
    for cluster_id, cluster in world.get("ocm", {}).get("clusters", {}).items():
        lines.append(f"  OCM cluster {cluster_id}:")
        for reason in cluster.get("limited_support_reasons", []):
            lines.append(f"    limited support: {reason.get('summary')}")
        for log in cluster.get("service_logs", []):
            if log.get("log_type") != "cluster-state-updates":
                lines.append(f"    service log ({log.get('severity')}): {log.get('summary')}")
    for report in world.get("backplane", {}).get("reports", []):
        lines.append(f"  backplane report: {report.get('summary')}")
    for side, changed in world.get("kube_changes", {}).items():
        for obj in changed:
            meta = obj.get("metadata") or {}
            where = "/".join(filter(None, (meta.get("namespace"), meta.get("name"))))
            lines.append(f"  {side} cluster: {obj.get('kind')} {where} written")
    return lines


WRITES = {
    "limited_support": lambda w: sum(
        len(c["limited_support_reasons"]) for c in w["ocm"]["clusters"].values()
    ),
    "service_log": lambda w: sum(len(c["service_logs"]) for c in w["ocm"]["clusters"].values()),
    "cluster_report": lambda w: len(w["backplane"]["reports"]),
}


def derived_external_id(cluster_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cad-sandbox/clusters/{cluster_id}"))


def _seed_cluster(seed: Cluster, now: datetime) -> ClusterState:
    state = ClusterState(seed=seed, external_id=seed.external_id or derived_external_id(seed.id))
    for number, log in enumerate(seed.service_logs, start=1):
        entry = {
            "id": f"seed-log-{seed.id}-{number}",
            "summary": log.summary,
            "description": log.description,
            "severity": log.severity,
            "service_name": log.service_name,
            "internal_only": log.internal_only,
            "log_type": log.log_type,
            "username": log.username,
            "timestamp": log.timestamp or now,
        }
        state.service_logs.append(entry)
    state.service_logs.extend(_hibernation_logs(seed))
    for number, reason in enumerate(seed.limited_support_reasons, start=1):
        state.limited_support_reasons.append(
            {
                "id": f"seed-ls-{seed.id}-{number}",
                "summary": reason.summary,
                "details": reason.details,
                "detection_type": "manual",
                "created_at": now,
            }
        )
    return state


def _hibernation_logs(seed: Cluster) -> list[dict[str, Any]]:
    """Hibernation periods become the cluster-state service logs CHGM reads them from."""
    logs = []
    for number, period in enumerate(seed.hibernation, start=1):
        changes = [("cluster_state_hibernating", "hibernating", period.hibernated)]
        if period.resumed is not None:
            changes.append(("cluster_state_ready", "ready", period.resumed))
        for summary, state, at in changes:
            logs.append(
                {
                    "id": f"seed-state-{seed.id}-{number}-{state}",
                    "summary": summary,
                    "description": f"The cluster is {state}.",
                    "severity": "Info",
                    "service_name": "ClusterService",
                    "internal_only": False,
                    "log_type": "cluster-state-updates",
                    "username": "",
                    "timestamp": at,
                }
            )
    return logs


def _cluster_json(cluster: ClusterState) -> dict[str, Any]:
    log_keys = ("summary", "severity", "service_name", "description", "internal_only", "log_type")
    return {
        "service_logs": [{k: log[k] for k in log_keys} for log in cluster.service_logs],
        "limited_support_reasons": [
            {"summary": r["summary"], "details": r["details"]}
            for r in cluster.limited_support_reasons
        ],
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
