"""The ingress load balancer's health (AWS classic clusters): its kind from the default
IngressController, its DNS name from the ``router-default`` Service, then the health of
its targets from ELBv2 (NLB) or ELB (CLB). Informational: every answer is a note."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_core import InvestigationContext
from cad_core.errors import one_line

from cad_consoleerrorbudgetburn import messages, securitygroups

CHECK = "LB Health"


def load_balancer_kind(controller: Mapping[str, Any]) -> str:
    """``NLB`` or ``Classic`` (the default), from the spec, else the status."""
    for part in ("spec", "status"):
        strategy = (controller.get(part) or {}).get("endpointPublishingStrategy") or {}
        aws = ((strategy.get("loadBalancer") or {}).get("providerParameters") or {}).get("aws")
        if aws:
            return "NLB" if aws.get("type") == "NLB" else "Classic"
    return "Classic"


def note_load_balancer(
    ctx: InvestigationContext, kube: Any, session: Any, machine_cidr: str
) -> None:
    try:
        controller = kube.get_object(
            "operator.openshift.io/v1",
            "ingresscontrollers",
            "default",
            namespace="openshift-ingress-operator",
        )
        service = kube.get_object("v1", "services", "router-default", namespace="openshift-ingress")
    except Exception as error:  # noted: the other checks still run
        ctx.notes.warning(messages.read_failed(CHECK, "the ingress objects", one_line(error)))
        return
    ingress = ((service or {}).get("status") or {}).get("loadBalancer", {}).get("ingress") or [{}]
    hostname = str(ingress[0].get("hostname") or "")
    if not hostname:
        ctx.notes.warning(messages.NO_LB_HOSTNAME)
        return
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if load_balancer_kind(controller or {}) == "NLB":
            _note_nlb(ctx, session, hostname)
        else:
            _note_clb(ctx, session, hostname, machine_cidr)
    except (BotoCoreError, ClientError) as error:
        ctx.notes.warning(messages.read_failed(CHECK, "the load balancer", one_line(error)))


def _balancers(client: Any, key: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("describe_load_balancers").paginate()
    return [balancer for page in pages for balancer in page.get(key) or []]


def _note_nlb(ctx: InvestigationContext, session: Any, hostname: str) -> None:
    elbv2 = session.client("elbv2")
    found = [
        b
        for b in _balancers(elbv2, "LoadBalancers")
        if b.get("Type") == "network" and b.get("DNSName") == hostname
    ]
    if not found:
        ctx.notes.warning(messages.no_balancer("NLB", hostname))
        return
    arn, name = found[0]["LoadBalancerArn"], found[0].get("LoadBalancerName", "")
    ports: dict[int, list[dict[str, Any]]] = {}
    groups = elbv2.describe_target_groups(LoadBalancerArn=arn).get("TargetGroups") or []
    for group in groups:
        reply = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])
        for target in reply.get("TargetHealthDescriptions") or []:
            port = int((target.get("Target") or {}).get("Port") or 0)
            ports.setdefault(port, []).append(target)
    if not ports:
        ctx.notes.warning(messages.no_targets("NLB", name))
        return
    dead = {p: ts for p, ts in ports.items() if not any(_healthy(t) for t in ts)}
    if dead:
        ctx.notes.warning(
            messages.nlb_dead_ports(name, [_dead_port(p, ts) for p, ts in dead.items()])
        )
    else:
        counts = [(p, sum(_healthy(t) for t in ts), len(ts)) for p, ts in sorted(ports.items())]
        ctx.notes.success(messages.nlb_healthy(name, counts))
    if found[0].get("SecurityGroups"):
        ctx.notes.warning(messages.nlb_has_groups(name, found[0]["SecurityGroups"]))
    targets = sorted({str((t.get("Target") or {}).get("Id")) for ts in ports.values() for t in ts})
    securitygroups.note_node_ports(ctx, session.client("ec2"), targets)


def _healthy(target: Mapping[str, Any]) -> bool:
    return (target.get("TargetHealth") or {}).get("State") == "healthy"


def _dead_port(port: int, targets: list[dict[str, Any]]) -> str:
    states = []
    for target in targets:
        health = target.get("TargetHealth") or {}
        reason = f" - {health['Reason']}" if health.get("Reason") else ""
        states.append(f"{(target.get('Target') or {}).get('Id')}: {health.get('State')}{reason}")
    return f"port {port}: 0/{len(targets)} healthy - {', '.join(states)}"


def _note_clb(ctx: InvestigationContext, session: Any, hostname: str, machine_cidr: str) -> None:
    elb = session.client("elb")
    found = [b for b in _balancers(elb, "LoadBalancerDescriptions") if b.get("DNSName") == hostname]
    if not found:
        ctx.notes.warning(messages.no_balancer("CLB", hostname))
        return
    name = found[0]["LoadBalancerName"]
    states = elb.describe_instance_health(LoadBalancerName=name).get("InstanceStates") or []
    if not states:
        ctx.notes.warning(messages.no_targets("CLB", name))
        return
    down = [
        f"{s.get('InstanceId')}: {s.get('State')}"
        + (f" - {s['Description']}" if s.get("Description") not in (None, "", "N/A") else "")
        for s in states
        if s.get("State") != "InService"
    ]
    if down:
        ctx.notes.warning(messages.clb_down(name, down, len(states)))
    else:
        ctx.notes.success(messages.clb_healthy(name, len(states)))
    groups = [str(g) for g in found[0].get("SecurityGroups") or []]
    securitygroups.note_https(ctx, session.client("ec2"), name, groups, machine_cidr)
