"""The storm bench's world: many clusters whose masters a customer stopped, UWM broken,
and one incident per delivered alert (40 % chgm, 30 % error budget burn, 30 % unhandled)."""

from __future__ import annotations

import dataclasses
from typing import Any

CHGM, CMBB, OTHER = "chgm", "cmbb", "unhandled"
MIX = (CHGM, CHGM, CHGM, CHGM, CMBB, CMBB, CMBB, OTHER, OTHER, OTHER)
UNHANDLED_TITLES = (
    "KubePersistentVolumeFillingUp CRITICAL (1)",
    "etcdDatabaseHighFragmentationRatio",
    "ClusterOperatorDown: dns",
    "KubeJobFailed CRITICAL (1)",  # UpgradeConfigSyncFailure has a plugin now
)
UWM_BROKEN = (
    'UserWorkloadInvalidConfiguration: the User Workload Configuration from "config.yaml" '
    'key in the "openshift-user-workload-monitoring/user-workload-monitoring-config" '
    "ConfigMap could not be parsed"
)
ID_PAD = "0123456789abcdefghijklmnopqrstuvwxyz"


def cluster_id(n: int) -> str:
    head = f"2st{n:05d}"
    return head + ID_PAD[: 32 - len(head)]


def infra_id(n: int) -> str:
    return f"storm-{n:05d}-x7k2p"


def incident_id(i: int) -> str:
    return f"QSTORM{i:06d}"


def kind_of(i: int) -> str:
    return MIX[i % len(MIX)]


def title_of(i: int, cluster: int) -> str:
    kind = kind_of(i)
    if kind == CHGM:
        return f"storm-{cluster:05d} has gone missing"
    if kind == CMBB:
        return "ClusterMonitoringErrorBudgetBurnSRE CRITICAL (1)"
    return UNHANDLED_TITLES[i % len(UNHANDLED_TITLES)]


def scenario_data(clusters: int) -> dict[str, Any]:
    """One world: ``clusters`` clusters whose masters a customer stopped, UWM broken."""
    instances: list[dict[str, Any]] = []
    trail: list[dict[str, Any]] = []
    ocm_clusters = []
    for n in range(clusters):
        ocm_clusters.append(
            {
                "id": cluster_id(n),
                "name": f"storm-{n:05d}",
                "state": "ready",
                "product": "rosa",
                "cloud_provider": "aws",
                "ccs": True,
                "nodes": {"master": 3, "infra": 2},
                "machine_pools": [{"id": "worker", "replicas": 3}],
                "infra_id": infra_id(n),
                "organization_id": f"org-{n % 7}",
            }
        )
        masters = [f"i-{n:05d}m{k}" for k in range(3)]
        for k, instance in enumerate(masters):
            instances.append(
                {
                    "id": instance,
                    "name": f"{infra_id(n)}-master-{k}",
                    "state": "stopped",
                    "stopped_at": "-40m",
                }
            )
        for role, count in (("infra", 2), ("worker", 3)):
            for k in range(count):
                instances.append(
                    {"id": f"i-{n:05d}{role[0]}{k}", "name": f"{infra_id(n)}-{role}-{k}"}
                )
        trail.append(
            {"event": "StopInstances", "instances": masters, "at": "-40m", "username": "jdoe"}
        )
    return {
        "name": "storm",
        "pagerduty": {
            "incident": {
                "id": incident_id(0),
                "title": title_of(0, 0),
                "service": {"id": "PSTORM1", "summary": "prod-storm"},
            },
            "alerts": [{"details": {"cluster_id": cluster_id(0)}}],
        },
        "ocm": {"clusters": ocm_clusters},
        "aws": {"instances": instances, "cloudtrail": trail},
        "kube": {
            "clusteroperators": {
                "monitoring": {
                    "conditions": [
                        {"type": "Available", "status": "False", "message": UWM_BROKEN},
                        {"type": "Degraded", "status": "True"},
                    ]
                }
            }
        },
        "egress": {"result": "success"},
    }


def add_incidents(box: Any, count: int, clusters: int) -> None:
    """Seed incidents 1..count-1 next to the scenario's incident 0 (same shape as the
    scenario loader builds; the world keeps incidents in a dict keyed by id)."""
    from cad_pagerduty.sandbox.scenario import Alert
    from cad_pagerduty.sandbox.state import IncidentState

    seed = box.world.incidents[incident_id(0)]
    with box.world.lock:
        for i in range(1, count):
            n = i % clusters
            box.world.incidents[incident_id(i)] = IncidentState(
                id=incident_id(i),
                title=title_of(i, n),
                status="triggered",
                service_id=seed.service_id,
                service_summary=seed.service_summary,
                escalation_policy=seed.escalation_policy,
                escalation_level=1,
                created_at=seed.created_at,
                alerts=(Alert(details={"cluster_id": cluster_id(n)}),),
            )


def webhook(box: Any, i: int) -> bytes:
    """The v3 webhook PagerDuty would deliver for incident ``i`` of the world."""
    from cad_pagerduty.sandbox.scenario import Incident, ServiceRef
    from cad_pagerduty.sandbox.webhook import webhook_body

    state = box.world.incidents[incident_id(i)]
    incident = Incident(
        id=state.id,
        title=state.title,
        service=ServiceRef(id=state.service_id, summary=state.service_summary),
    )
    pagerduty = dataclasses.replace(box.scenario.pagerduty, incident=incident)
    scenario = dataclasses.replace(box.scenario, pagerduty=pagerduty)
    return webhook_body(scenario, api_url=box.urls["pagerduty"])
