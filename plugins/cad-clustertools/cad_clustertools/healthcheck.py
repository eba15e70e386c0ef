"""``clusterhealthcheck``: upstream's dozen health checks (after managed-scripts'
cluster-health-check), each one note line or more; a failed read is a warning line and
the other checks go on. Checks that need pod exec upstream (etcdctl, Alertmanager) read
the same facts without exec, or are left out (docs/upstream.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cad_core import InvestigationContext, InvestigationResult
from cad_core.errors import CadError, one_line
from cad_core.plan.caps import first
from cad_core.plan.notes import Notes

from cad_clustertools import healthnodes
from cad_clustertools.eol import eol_warning
from cad_clustertools.kubeview import condition as find_condition
from cad_clustertools.kubeview import (
    is_true,
    joined,
    name_of,
    namespace_of,
    report,
    start,
)

Check = Callable[[Any, Notes, bool], None]
MAX_LISTED = 50  # failing pods and events beyond this are counted, not listed
API_SERVER_PODS = (
    ("openshift-apiserver", "app=openshift-apiserver-a", "OpenShift API Server"),
    ("openshift-kube-apiserver", "app=openshift-kube-apiserver", "Kube API Server"),
)
WAITING_TROUBLE = {"CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull"}


def run(ctx: InvestigationContext) -> InvestigationResult:
    kube, hcp, unreachable = start(
        ctx,
        "HCP cluster: its control plane runs on the management cluster, so some checks are skipped",
    )
    if unreachable is not None:
        return unreachable
    for check in CHECKS:
        check(kube, ctx.notes, hcp)
    return report(ctx)


def _listed(
    kube: Any, notes: Notes, title: str, api: str, resource: str, **options: Any
) -> list[dict[str, Any]] | None:
    try:
        items: list[dict[str, Any]] = kube.list_objects(api, resource, **options)
    except CadError as error:
        notes.warning(f"{title}: could not list {resource} - {one_line(error)}")
        return None
    return items


def cluster_operators(kube: Any, notes: Notes, hcp: bool) -> None:
    operators = _listed(
        kube, notes, "Cluster Operators", "config.openshift.io/v1", "clusteroperators"
    )
    if operators is None:
        return
    if not operators:
        notes.warning("Cluster Operators: none found")
        return
    problems: dict[str, list[str]] = {"unavailable": [], "degraded": [], "progressing": []}
    for operator in operators:
        for kind, state, bucket in (
            ("Available", "False", "unavailable"),
            ("Degraded", "True", "degraded"),
            ("Progressing", "True", "progressing"),
        ):
            found = find_condition(operator, kind)
            if found is not None and found.get("status") == state:
                problems[bucket].append(f"{name_of(operator)} ({found.get('reason') or '-'})")
    if not any(problems.values()):
        notes.success(f"Cluster Operators: all {len(operators)} healthy")
    for bucket, names in problems.items():
        if names:
            notes.warning(f"Cluster Operators: {len(names)} {bucket} - {joined(names)}")


def api_server(kube: Any, notes: Notes, hcp: bool) -> None:
    answers = {}
    for endpoint in ("healthz", "livez", "readyz"):
        try:
            answers[endpoint] = kube.get_text(f"/{endpoint}").strip()
        except CadError as error:
            answers[endpoint] = f"error: {one_line(error)}"
    summary = ", ".join(f"{k}={v}" for k, v in answers.items())
    if all(v == "ok" for v in answers.values()):
        notes.success(f"API Server Health: all endpoints answer ok ({summary})")
    else:
        notes.warning(f"API Server Health: {summary}")
    if hcp:
        notes.warning("API Server Pods: skipped - they run on the management cluster")
        return
    for namespace, selector, title in API_SERVER_PODS:
        pods = _listed(
            kube, notes, f"{title} Pods", "v1", "pods", namespace=namespace, label_selector=selector
        )
        if pods is None:
            continue
        not_ready = [
            f"{name_of(p)} ({_not_ready_reason(p)})" for p in pods if not is_true(p, "Ready")
        ]
        if not_ready:
            notes.warning(
                f"{title} Pods: {len(not_ready)}/{len(pods)} not ready - {joined(not_ready)}"
            )
        else:
            notes.success(f"{title} Pods: all {len(pods)} Ready")


def _not_ready_reason(pod: dict[str, Any]) -> str:
    ready = find_condition(pod, "Ready")
    return str((ready or {}).get("reason") or (pod.get("status") or {}).get("phase") or "-")


def etcd(kube: Any, notes: Notes, hcp: bool) -> None:
    """Upstream execs ``etcdctl endpoint health --cluster``; without exec, CAD reads the
    members' readiness (their probes ask each member's health endpoint)."""
    if hcp:
        notes.warning("ETCD Status: skipped - etcd runs on the management cluster")
        return
    pods = _listed(
        kube,
        notes,
        "ETCD Status",
        "v1",
        "pods",
        namespace="openshift-etcd",
        label_selector="app=etcd",
    )
    if pods is None:
        return
    if not pods:
        notes.warning("ETCD Status: no etcd pods in openshift-etcd")
        return
    not_ready = [name_of(p) for p in pods if not is_true(p, "Ready")]
    if not_ready:
        notes.warning(
            f"ETCD Status: {len(not_ready)}/{len(pods)} members not ready - {joined(not_ready)}"
        )
    else:
        notes.success(f"ETCD Status: all {len(pods)} members Ready")


def machine_config_pools(kube: Any, notes: Notes, hcp: bool) -> None:
    if hcp:
        notes.warning("MachineConfigPools: skipped - HCP clusters have none")
        return
    pools = _listed(
        kube,
        notes,
        "MachineConfigPools",
        "machineconfiguration.openshift.io/v1",
        "machineconfigpools",
    )
    if pools is None:
        return
    if not pools:
        notes.warning("MachineConfigPools: none found")
        return
    degraded, updating = [], []
    for pool in pools:
        status = pool.get("status") or {}
        if is_true(pool, "Degraded"):
            found = find_condition(pool, "Degraded") or {}
            degraded.append(
                f"{name_of(pool)} ({found.get('reason') or '-'}: {found.get('message') or '-'})"
            )
        if is_true(pool, "Updating"):
            updating.append(
                f"{name_of(pool)} ({status.get('updatedMachineCount', 0)}/"
                f"{status.get('machineCount', 0)} updated)"
            )
    if not degraded and not updating:
        notes.success(f"MachineConfigPools: all {len(pools)} healthy")
    if degraded:
        notes.warning(f"MachineConfigPools: {len(degraded)} degraded - {joined(degraded, '; ')}")
    if updating:
        notes.warning(f"MachineConfigPools: {len(updating)} updating - {joined(updating, '; ')}")


def pending_csrs(kube: Any, notes: Notes, hcp: bool) -> None:
    from cad_clustertools.kubeview import age

    csrs = _listed(
        kube, notes, "Pending CSRs", "certificates.k8s.io/v1", "certificatesigningrequests"
    )
    if csrs is None:
        return
    pending = [
        f"{name_of(c)} (requester: {(c.get('spec') or {}).get('username', '-')}, age: "
        f"{age(kube.timestamp((c.get('metadata') or {}).get('creationTimestamp')))})"
        for c in csrs
        if not any(
            x.get("type") in ("Approved", "Denied")
            for x in (c.get("status") or {}).get("conditions") or []
        )
    ]
    if pending:
        notes.warning(f"Pending CSRs: {len(pending)} - {joined(pending, '; ')}")
    else:
        notes.success("Pending CSRs: none")


def cluster_version(kube: Any, notes: Notes, hcp: bool) -> None:
    try:
        version = kube.get_object("config.openshift.io/v1", "clusterversions", "version")
    except CadError as error:
        notes.warning(f"Cluster Version: could not read it - {one_line(error)}")
        return
    if version is None:
        notes.warning("Cluster Version: no ClusterVersion 'version'")
        return
    history = (version.get("status") or {}).get("history") or []
    current = next((h.get("version") for h in history if h.get("state") == "Completed"), "unknown")
    issues = []
    for kind, state, label in (
        ("Failing", "True", "Failing"),
        ("Progressing", "True", "Progressing"),
        ("RetrievedUpdates", "False", "Cannot retrieve updates"),
    ):
        found = find_condition(version, kind)
        if found is not None and found.get("status") == state:
            issues.append(f"{label}: {found.get('message') or '-'}")
    eol = eol_warning(version, current) if current != "unknown" else ""
    if eol:
        issues.append(eol)
    if issues:
        notes.warning(f"Cluster Version: {current} - {joined(issues, '; ')}")
    else:
        notes.success(f"Cluster Version: {current}")


def failing_pods(kube: Any, notes: Notes, hcp: bool) -> None:
    pods = _listed(kube, notes, "Failing Pods", "v1", "pods")
    if pods is None:
        return
    issues = []
    for pod in pods:
        status = pod.get("status") or {}
        where = f"{namespace_of(pod)}/{name_of(pod)}"
        if status.get("phase") == "Succeeded":
            continue
        if status.get("phase") == "Failed":
            issues.append((where, str(status.get("reason") or "Failed")))
            continue
        for container in status.get("containerStatuses") or []:
            restarts = int(container.get("restartCount") or 0)
            if restarts > 10:
                issues.append((where, f"container {container.get('name')} has {restarts} restarts"))
            waiting = ((container.get("state") or {}).get("waiting") or {}).get("reason")
            if waiting in WAITING_TROUBLE:
                issues.append((where, f"container {container.get('name')}: {waiting}"))
    if not issues:
        notes.success("Failing Pods: none")
        return
    notes.warning(f"Failing Pods: {_bounded([f'{w}: {r}' for w, r in sorted(issues)])}")


def _bounded(lines: list[str]) -> str:
    listed, hidden = first(lines, MAX_LISTED)
    shown = [f"  {line}" for line in listed]
    if hidden:
        shown.append(f"  ... and {hidden} more")
    return f"{len(lines)} found:\n" + "\n".join(shown)


def restrictive_pdbs(kube: Any, notes: Notes, hcp: bool) -> None:
    budgets = _listed(kube, notes, "Restrictive PDBs", "policy/v1", "poddisruptionbudgets")
    if budgets is None:
        return
    found = []
    for budget in budgets:
        spec, status = budget.get("spec") or {}, budget.get("status") or {}
        if int(status.get("disruptionsAllowed") or 0) > 0:
            continue
        reason = ""
        if str(spec.get("maxUnavailable")) in ("0", "0%"):
            reason = f"maxUnavailable={spec['maxUnavailable']}"
        minimum, expected = spec.get("minAvailable"), int(status.get("expectedPods") or 0)
        if minimum == "100%":
            reason = "minAvailable=100%"
        elif isinstance(minimum, int) and expected > 0 and minimum >= expected:
            reason = f"minAvailable={minimum} (expectedPods={expected})"
        if reason:
            found.append(f"{namespace_of(budget)}/{name_of(budget)} ({reason})")
    if found:
        notes.warning(f"Restrictive PDBs: {len(found)} - {joined(found, '; ')}")
    else:
        notes.success("Restrictive PDBs: none")


def events(kube: Any, notes: Notes, hcp: bool) -> None:
    listed = _listed(kube, notes, "Events", "v1", "events")
    if listed is None:
        return
    odd = sorted(
        (namespace_of(e), str(e.get("reason") or ""), e)
        for e in listed
        if e.get("type") != "Normal"
    )
    if not odd:
        notes.success("Events: none other than Normal")
        return
    lines = []
    for namespace, reason, event in odd:
        involved = event.get("involvedObject") or {}
        count = int(event.get("count") or 0)
        times = f" (x{count})" if count > 1 else ""
        message = str(event.get("message") or "")
        message = message[:120] + "..." if len(message) > 120 else message
        lines.append(
            f"{namespace}/{involved.get('kind')}/{involved.get('name')}: {reason}{times}"
            f" - {message}"
        )
    notes.warning(f"Events: {_bounded(lines)}")


CHECKS: tuple[Check, ...] = (
    cluster_operators,
    api_server,
    etcd,
    machine_config_pools,
    pending_csrs,
    healthnodes.node_status,
    healthnodes.capacity,
    healthnodes.firing_alerts,
    cluster_version,
    failing_pods,
    restrictive_pdbs,
    events,
)
