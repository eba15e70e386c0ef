"""ELB (classic) and ELBv2 simulators for ``cad sandbox``: the reads the load-balancer
check makes, over the Query protocol in the services' XML. botocore sends them to
``AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING`` and ``..._V2`` when set. Scenario keys::

    elb:    {load_balancers: [{name, dns_name, security_groups: [sg-1],
                               instances: [{id, state, description}]}]}
    elbv2:  {load_balancers: [{name, dns_name, security_groups: [], target_groups:
                               [{port, targets: [{id, state, reason}]}]}]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

from cad_core import SandboxSimulator, SimError, SimRequest, SimResponse

ELB_XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"
ELBV2_XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
Element = ElementTree.Element


def seed_balancers(value: Any = None) -> dict[str, Any]:
    balancers = (value or {}).get("load_balancers") if isinstance(value, Mapping) else None
    if value is not None and not isinstance(balancers, list):
        raise ValueError("needs 'load_balancers': a list of {name, dns_name, ...}")
    for number, balancer in enumerate(balancers or [], start=1):
        if not isinstance(balancer, Mapping) or not balancer.get("name"):
            raise ValueError(f"load_balancers[{number}] needs a name")
    return {"load_balancers": [dict(b) for b in balancers or []]}


def _form(request: SimRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def _answer(xmlns: str, action: str, fill: Callable[[Element], None]) -> SimResponse:
    root = Element(f"{action}Response", xmlns=xmlns)
    fill(ElementTree.SubElement(root, f"{action}Result"))
    _text(ElementTree.SubElement(root, "ResponseMetadata"), "RequestId", "sandbox")
    body = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return SimResponse(200, bytes(body), {"Content-Type": "text/xml"})


def _text(parent: Element, tag: str, value: Any) -> Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = str(value)
    return element


def _members(parent: Element, tag: str) -> Element:
    return ElementTree.SubElement(parent, tag)


def _groups(member: Element, balancer: Mapping[str, Any]) -> None:
    listed = _members(member, "SecurityGroups")
    for group in balancer.get("security_groups") or []:
        _text(listed, "member", group)


def _find(world: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    for balancer in world["load_balancers"]:
        if key == "arn" and _arn(balancer) == value or balancer.get(key) == value:
            return dict(balancer)
    raise SimError(400, f"LoadBalancerNotFound: {value}")


def _arn(balancer: Mapping[str, Any]) -> str:
    return (
        f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/{balancer['name']}/1"
    )


def classic(request: SimRequest, world: dict[str, Any]) -> SimResponse:
    form = _form(request)
    action = form.get("Action", "")
    if action == "DescribeLoadBalancers":

        def balancers(result: Element) -> None:
            listed = _members(result, "LoadBalancerDescriptions")
            for balancer in world["load_balancers"]:
                member = _members(listed, "member")
                _text(member, "LoadBalancerName", balancer["name"])
                _text(member, "DNSName", balancer.get("dns_name", ""))
                _groups(member, balancer)

        return _answer(ELB_XMLNS, action, balancers)
    if action == "DescribeInstanceHealth":
        balancer = _find(world, "name", form.get("LoadBalancerName", ""))

        def states(result: Element) -> None:
            listed = _members(result, "InstanceStates")
            for instance in balancer.get("instances") or []:
                member = _members(listed, "member")
                _text(member, "InstanceId", instance.get("id", ""))
                _text(member, "State", instance.get("state", "InService"))
                _text(member, "Description", instance.get("description", "N/A"))

        return _answer(ELB_XMLNS, action, states)
    raise SimError(400, f"InvalidAction: {action}")


def network(request: SimRequest, world: dict[str, Any]) -> SimResponse:
    form = _form(request)
    action = form.get("Action", "")
    if action == "DescribeLoadBalancers":

        def balancers(result: Element) -> None:
            listed = _members(result, "LoadBalancers")
            for balancer in world["load_balancers"]:
                member = _members(listed, "member")
                _text(member, "LoadBalancerArn", _arn(balancer))
                _text(member, "LoadBalancerName", balancer["name"])
                _text(member, "DNSName", balancer.get("dns_name", ""))
                _text(member, "Type", "network")
                _groups(member, balancer)

        return _answer(ELBV2_XMLNS, action, balancers)
    if action == "DescribeTargetGroups":
        balancer = _find(world, "arn", form.get("LoadBalancerArn", ""))

        def groups(result: Element) -> None:
            listed = _members(result, "TargetGroups")
            for number, group in enumerate(balancer.get("target_groups") or []):
                member = _members(listed, "member")
                _text(member, "TargetGroupArn", f"{_arn(balancer)}/tg/{number}")
                _text(member, "Port", group.get("port", 443))

        return _answer(ELBV2_XMLNS, action, groups)
    if action == "DescribeTargetHealth":
        arn, _, number = form.get("TargetGroupArn", "").rpartition("/tg/")
        balancer = _find(world, "arn", arn)
        group = (balancer.get("target_groups") or [])[int(number or 0)]

        def health(result: Element) -> None:
            listed = _members(result, "TargetHealthDescriptions")
            for target in group.get("targets") or []:
                member = _members(listed, "member")
                where = _members(member, "Target")
                _text(where, "Id", target.get("id", ""))
                _text(where, "Port", group.get("port", 443))
                state = _members(member, "TargetHealth")
                _text(state, "State", target.get("state", "healthy"))
                if target.get("reason"):
                    _text(state, "Reason", target["reason"])

        return _answer(ELBV2_XMLNS, action, health)
    raise SimError(400, f"InvalidAction: {action}")


def _reads(_method: str, _path: str) -> bool:
    return False  # every call here is a Describe*


def registrations() -> Iterator[SandboxSimulator]:
    yield SandboxSimulator(
        name="elb",
        setting="AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
        routes={"POST /": classic},
        seed=seed_balancers,
        is_write=_reads,
        description="classic load balancers and their instances' health (consoleerrorbudgetburn)",
    )
    yield SandboxSimulator(
        name="elbv2",
        setting="AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
        routes={"POST /": network},
        seed=seed_balancers,
        is_write=_reads,
        description="network load balancers and their target health (consoleerrorbudgetburn)",
    )
