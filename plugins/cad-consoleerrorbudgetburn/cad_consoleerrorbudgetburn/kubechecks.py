"""The checks read through the cluster's API: allowedSourceRanges (the one that acts), the
DNS operator's upstream resolvers, router and console pods, and the console pods' nodes.

Each check notes what it found; none raises for what it cannot read (as upstream, a read
that fails is a line in the report, not a failed run).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cad_core import InvestigationContext
from cad_core.errors import one_line

from cad_consoleerrorbudgetburn import messages, nodeusage

OPERATOR_API = "operator.openshift.io/v1"
INGRESS_OPERATOR_NS = "openshift-ingress-operator"
ROUTER = (
    "Router",
    "openshift-ingress",
    "ingresscontroller.operator.openshift.io/deployment-ingresscontroller=default",
)
CONSOLE = ("Console", "openshift-console", "app=console,component=ui")
RESTART_THRESHOLD = 3
BAD_WAITING = ("CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull")
EVENT_WINDOW = timedelta(minutes=30)
MAX_EVENTS = 5
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure")


def source_ranges_exclude(ctx: InvestigationContext, kube: Any, machine_cidr: str) -> bool:
    """True when the default IngressController's allowedSourceRanges leave the machine
    network out: the one cause here the customer can fix and must be told."""
    if not machine_cidr:
        ctx.notes.warning(messages.NO_MACHINE_CIDR)
        return False
    try:
        machine = ipaddress.ip_network(machine_cidr, strict=False)
    except ValueError:
        ctx.notes.warning(messages.bad_machine_cidr(machine_cidr))
        return False
    controller = _get(
        ctx, "AllowedSourceRanges", kube, "ingresscontrollers", "default", INGRESS_OPERATOR_NS
    )
    if controller is None:
        return False
    strategy = (controller.get("spec") or {}).get("endpointPublishingStrategy") or {}
    ranges = [str(r) for r in (strategy.get("loadBalancer") or {}).get("allowedSourceRanges") or ()]
    if not ranges:
        ctx.notes.success(messages.SOURCE_RANGES_UNSET)
        return False
    if any(covers(allowed, machine) for allowed in ranges):
        ctx.notes.success(messages.source_ranges_cover(machine_cidr))
        return False
    ctx.notes.warning(messages.source_ranges_exclude(machine_cidr, ranges))
    return True


def covers(allowed: str, machine: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """The allowed range holds the whole machine network (upstream's cidrContains)."""
    try:
        network = ipaddress.ip_network(allowed, strict=False)
    except ValueError:
        return False
    return network.version == machine.version and machine.subnet_of(network)  # type: ignore[arg-type]


def note_upstream_dns(ctx: InvestigationContext, kube: Any) -> None:
    dns = _get(ctx, "DNS", kube, "dnses", "default")
    if dns is None:
        return
    upstreams = ((dns.get("spec") or {}).get("upstreamResolvers") or {}).get("upstreams") or []
    custom = [
        f"{u.get('address')}:{u.get('port') or 53}" for u in upstreams if u.get("type") == "Network"
    ]
    if custom:
        ctx.notes.warning(messages.upstream_resolvers(custom))
    else:
        ctx.notes.success(messages.NO_UPSTREAM_RESOLVERS)


def note_pods(
    ctx: InvestigationContext, kube: Any, which: tuple[str, str, str]
) -> list[dict[str, Any]]:
    """Pod problems and recent warning events of one component; returns its pods."""
    label, namespace, selector = which
    try:
        pods = kube.list_objects("v1", "pods", namespace=namespace, label_selector=selector)
    except Exception as error:  # noted: a failed read is a finding, not a failed run
        ctx.notes.warning(messages.read_failed(label, f"the pods in {namespace}", one_line(error)))
        return []
    if not pods:
        ctx.notes.warning(messages.no_pods(label, namespace))
        return []
    issues = [issue for pod in pods for issue in pod_issues(pod)]
    if label == ROUTER[0] and issues and not _any_healthy(pods):
        ctx.notes.warning(messages.NO_HEALTHY_ROUTER)
    events = _warning_events(ctx, kube, label, namespace, pods)
    if issues or events:
        ctx.notes.warning(messages.pod_problems(label, issues, events))
    else:
        ctx.notes.success(messages.pods_healthy(label, len(pods), namespace))
    return list(pods)


def pod_issues(pod: Mapping[str, Any]) -> list[str]:
    name = _name(pod)
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Succeeded":
        return []
    if phase == "Failed":
        return [f"{name}: {status.get('reason') or 'Failed'}"]
    if phase == "Pending":
        return [f"{name}: Pending"]
    issues = []
    for container in status.get("containerStatuses") or []:
        cname = container.get("name")
        if int(container.get("restartCount") or 0) > RESTART_THRESHOLD:
            issues.append(f"{name}: container {cname} has {container['restartCount']} restarts")
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in BAD_WAITING:
            issues.append(f"{name}: container {cname}: {waiting['reason']}")
        if not container.get("ready") and phase == "Running":
            issues.append(f"{name}: container {cname} not ready")
    return issues


def _any_healthy(pods: Sequence[Mapping[str, Any]]) -> bool:
    active = [p for p in pods if (p.get("status") or {}).get("phase") != "Succeeded"]
    return any(not pod_issues(p) for p in active)


def _warning_events(
    ctx: InvestigationContext,
    kube: Any,
    label: str,
    namespace: str,
    pods: Sequence[Mapping[str, Any]],
) -> list[str]:
    names = {_name(p) for p in pods}
    try:
        events = kube.list_objects("v1", "events", namespace=namespace)
    except Exception as error:  # noted: the pods' own state is still reported
        ctx.notes.warning(
            messages.read_failed(label, f"the events in {namespace}", one_line(error))
        )
        return []
    cutoff = datetime.now(UTC) - EVENT_WINDOW
    found = []
    for event in events:
        involved = event.get("involvedObject") or {}
        if event.get("type") == "Normal" or involved.get("kind") != "Pod":
            continue
        when = kube.timestamp(
            event.get("lastTimestamp") or (event.get("metadata") or {}).get("creationTimestamp")
        )
        if involved.get("name") not in names or when is None or when < cutoff:
            continue
        message = str(event.get("message") or "")
        message = message if len(message) <= 120 else message[:120] + "..."
        count = int(event.get("count") or 0)
        times = f" (x{count})" if count > 1 else ""
        found.append(f"Pod/{involved.get('name')}: {event.get('reason')}{times} - {message}")
        if len(found) >= MAX_EVENTS:
            break
    return found


def note_nodes(
    ctx: InvestigationContext, kube: Any, console_pods: Sequence[Mapping[str, Any]]
) -> None:
    nodes = sorted(
        {
            str((p.get("spec") or {}).get("nodeName"))
            for p in console_pods
            if (p.get("spec") or {}).get("nodeName")
        }
    )
    if not nodes:
        ctx.notes.warning(messages.NO_CONSOLE_NODES)
        return
    issues: list[str] = []
    found: dict[str, dict[str, Any]] = {}
    for name in nodes:
        try:
            node = kube.get_object("v1", "nodes", name)
        except Exception as error:  # one unreadable node is one line of the finding
            issues.append(f"{name}: could not be read ({one_line(error)})")
            continue
        if node:
            found[name] = node
        issues += node_issues(name, node) if node else [f"{name}: not found"]
    if issues:
        ctx.notes.warning(messages.node_problems(issues))
    else:
        ctx.notes.success(messages.nodes_healthy(len(found)))
    nodeusage.note_utilization(ctx, kube, found)


def node_issues(name: str, node: Mapping[str, Any]) -> list[str]:
    conditions = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
    ready = conditions.get("Ready")
    issues = []
    if ready is None:
        issues.append(f"{name}: no Ready condition")
    elif ready.get("status") != "True":
        issues.append(
            f"{name}: NotReady (status: {ready.get('status')}, reason: {ready.get('reason')})"
        )
    issues += [
        f"{name}: {kind}"
        for kind in PRESSURES
        if (conditions.get(kind) or {}).get("status") == "True"
    ]
    if (node.get("spec") or {}).get("unschedulable"):
        issues.append(f"{name}: Unschedulable (cordoned)")
    return issues


def _get(
    ctx: InvestigationContext,
    check: str,
    kube: Any,
    resource: str,
    name: str,
    namespace: str | None = None,
) -> dict[str, Any] | None:
    what = f"{resource}/{name}" + (f" in {namespace}" if namespace else "")
    try:
        found: dict[str, Any] | None = kube.get_object(
            OPERATOR_API, resource, name, namespace=namespace
        )
    except Exception as error:  # noted: the other checks still run
        ctx.notes.warning(messages.read_failed(check, what, one_line(error)))
        return None
    if found is None:
        ctx.notes.warning(messages.read_failed(check, what, "not found"))
    return found


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
