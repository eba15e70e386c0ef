"""Every text consoleerrorbudgetburn writes: service logs, notes, reasons.

Facts (namespaces, labels, thresholds, record names, commands) are upstream's; the wording
is ours. Notes start with the check's name, as upstream's do, so a long report scans well.
"""

from __future__ import annotations

# --- the customer reads these ----------------------------------------------------------------

SOURCE_RANGES_SUMMARY = "Action required: the default IngressController blocks your cluster"


def source_ranges_description(machine_cidr: str) -> str:
    return (
        "Your cluster needs an action from you. The allowedSourceRanges of your default "
        "IngressController do not include the cluster's own machine network, so the cluster "
        "cannot reach its console and routes, which raises alerts for Red Hat SRE and "
        f"degrades the cluster. Please add the machine CIDR '{machine_cidr}' to the "
        "allowedSourceRanges of the default IngressController."
    )


NETWORK_SUMMARY = "Action required: network misconfiguration"


def network_description(change: str) -> str:
    return (
        "Your cluster needs an action from you. Red Hat SRE found a change to the cluster's "
        f"network configuration that keeps it from working normally: {change}. Please "
        "restore it, or contact Red Hat support if you need help."
    )


def apps_record_missing(cluster_domain: str) -> str:
    return f"the *.apps.{cluster_domain} DNS record is missing from the Route53 hosted zones"


# --- incident notes ---------------------------------------------------------------------------


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so nothing on the cluster was checked ({error})"


NO_MACHINE_CIDR = "AllowedSourceRanges: the cluster's machine CIDR is not known to OCM"


def bad_machine_cidr(cidr: str) -> str:
    return f"AllowedSourceRanges: the machine CIDR {cidr!r} cannot be read"


def read_failed(check: str, what: str, error: str) -> str:
    return f"{check}: reading {what} failed ({error})"


SOURCE_RANGES_UNSET = "AllowedSourceRanges: none are set on the default IngressController"


def source_ranges_cover(cidr: str) -> str:
    return (
        f"AllowedSourceRanges: the machine CIDR {cidr} is allowed on the default IngressController"
    )


def source_ranges_exclude(cidr: str, ranges: list[str]) -> str:
    return (
        f"AllowedSourceRanges: the machine CIDR {cidr} is NOT allowed on the default "
        f"IngressController (ranges: {', '.join(ranges)}); CAD told the customer"
    )


NO_UPSTREAM_RESOLVERS = "DNS: no custom upstream resolvers are configured"


def upstream_resolvers(resolvers: list[str]) -> str:
    return (
        "DNS: the customer configured upstream resolvers, which may keep *.apps names from "
        f"resolving: {', '.join(resolvers)}"
    )


def no_pods(label: str, namespace: str) -> str:
    return f"{label}: no pods found in {namespace}"


def pods_healthy(label: str, count: int, namespace: str) -> str:
    return f"{label}: all {count} pod(s) in {namespace} are running and ready"


def pod_problems(label: str, issues: list[str], events: list[str]) -> str:
    lines = [f"{label}:"]
    if issues:
        lines.append(f"{len(issues)} pod issue(s):")
        lines += [f"  {issue}" for issue in issues]
    if events:
        lines.append(f"{len(events)} recent warning event(s):")
        lines += [f"  {event}" for event in events]
    return "\n".join(lines)


NO_HEALTHY_ROUTER = (
    "Router: no router pod is healthy; consider restarting them:\n"
    "oc -n openshift-ingress rollout restart deploy/router-default"
)
NO_CONSOLE_NODES = "Node Health: no console pod is scheduled, so no node was checked"


def nodes_healthy(count: int) -> str:
    return f"Node Health: all {count} node(s) running console pods are healthy"


def node_problems(issues: list[str]) -> str:
    listed = "\n  ".join(issues)
    return f"Node Health: {len(issues)} issue(s) on nodes running console pods:\n  {listed}"


NO_NODE_METRICS = "Node Utilization: no metrics are available for the console pods' nodes"
NODES_NOT_BUSY = "Node Utilization: every console pod's node uses less than 80% CPU and memory"


def nodes_busy(rows: list[tuple[str, int, int]]) -> str:
    listed = "; ".join(f"{name} (CPU {cpu}%, memory {memory}%)" for name, cpu, memory in rows)
    return f"Node Utilization: {len(rows)} node(s) at 80% or more: {listed}"


def node_usage(rows: list[tuple[str, int, int]]) -> str:
    listed = "\n  ".join(f"{name}: CPU {cpu}%, memory {memory}%" for name, cpu, memory in rows)
    return f"Node Utilization per node:\n  {listed}"


AWS_SKIPPED = "AWS: CAD could not get the customer account's credentials, so AWS was not checked"
NO_CLUSTER_DOMAIN = "Route53: the cluster's domain is not known (no base domain or prefix)"


def no_zone(kind: str, name: str) -> str:
    return f"Route53: no {kind} hosted zone found for {name}"


def record_missing(zones: str, cluster_domain: str) -> str:
    return f"Route53: the *.apps record is missing from the {zones} for {cluster_domain}"


def records_present(zones: str, cluster_domain: str) -> str:
    return f"Route53: the *.apps record is in the {zones} for {cluster_domain}"


NO_INFRA_ID = "DHCP: the cluster's infrastructure id is not known"
DHCP_DEFAULT = "DHCP: the VPC's DHCP option set uses the AWS default DNS (AmazonProvidedDNS)"


def dhcp_custom(servers: list[str]) -> str:
    return (
        f"DHCP: the VPC's DHCP option set uses custom DNS servers {', '.join(servers)} instead "
        "of AmazonProvidedDNS, which may keep names inside the VPC from resolving"
    )


def dhcp_mixed(servers: list[str]) -> str:
    return f"DHCP: the VPC's DHCP option set has AmazonProvidedDNS and {', '.join(servers)}"


def dhcp_unknown(error: str) -> str:
    return f"DHCP: the VPC's DHCP options could not be checked ({error})"


NO_LB_HOSTNAME = "LB Health: the router-default Service has no load balancer hostname"


def no_balancer(kind: str, hostname: str) -> str:
    return f"LB Health: no {kind} has the DNS name {hostname}"


def no_targets(kind: str, name: str) -> str:
    return f"LB Health: {kind} {name} has no registered targets"


def nlb_dead_ports(name: str, ports: list[str]) -> str:
    listed = "\n  ".join(ports)
    count = len(ports)
    return f"LB Health: NLB {name} has {count} target group(s) with no healthy target:\n  {listed}"


def nlb_healthy(name: str, counts: list[tuple[int, int, int]]) -> str:
    listed = ", ".join(f"port {port}: {healthy}/{total} healthy" for port, healthy, total in counts)
    return f"LB Health: NLB {name}: every target group has healthy targets ({listed})"


def clb_down(name: str, down: list[str], total: int) -> str:
    listed = "\n  ".join(down)
    return f"LB Health: CLB {name}: {len(down)}/{total} instance(s) not InService:\n  {listed}"


def clb_healthy(name: str, total: int) -> str:
    return f"LB Health: CLB {name}: all {total} instance(s) InService"


def nlb_has_groups(name: str, groups: list[str]) -> str:
    listed = ", ".join(groups)
    return f"LB Security: NLB {name} has security groups attached, which is unusual: {listed}"


def clb_without_groups(name: str) -> str:
    return f"LB Security: CLB {name} has no security groups"


def clb_allows_https(name: str) -> str:
    return f"LB Security: the security groups of CLB {name} let TCP 443 in"


def clb_blocks_https(name: str, machine_cidr: str) -> str:
    return (
        f"LB Security: the security groups of CLB {name} let TCP 443 in neither from "
        f"0.0.0.0/0 nor from the machine CIDR {machine_cidr or '(unknown)'}"
    )


NO_TARGET_GROUPS = "LB Security: the NLB's target instances have no security groups"
NODE_PORTS_OPEN = "LB Security: the infra nodes' security groups let the NodePorts (30000-32767) in"
NODE_PORTS_CLOSED = (
    "LB Security: the infra nodes' security groups do not let TCP in on the NodePorts (30000-32767)"
)
EGRESS_OK = "VPC Egress: the egress check found no blocked endpoints"


def egress_blocked(blocked: list[str]) -> str:
    return f"VPC Egress: the egress check found blocked endpoints: {', '.join(blocked)}"


def egress_not_verified(error: str) -> str:
    return f"VPC Egress: egress was not verified ({error})"


# --- what is written about the plan ----------------------------------------------------------

TOLD_SOURCE_RANGES = "Sent the allowedSourceRanges service log and silenced the alert"
TOLD_NETWORK = "Sent the network-misconfiguration service log and silenced the alert"
SILENCE_SOURCE_RANGES = (
    "the default IngressController's allowedSourceRanges exclude the machine CIDR; "
    "the customer was told"
)
SILENCE_RECORDS = "the *.apps records are missing from Route53; the customer was told"
ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; a person needs to check it"
ESCALATE_DONE = "CAD found no cause it can act on; its findings are in the notes"
