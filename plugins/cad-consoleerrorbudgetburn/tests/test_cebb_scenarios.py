"""Every row of the consoleerrorbudgetburn decision table, end to end against the sandbox
world (the `cebb-*` scenarios shipped in this folder, Route53 served by this plugin's own
simulator), plus the plugin's registrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cad_core.plugins.registry import build_registry
from cad_sandbox.commands import run_scenario

NAME = "consoleerrorbudgetburn"
FOLDER = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(FOLDER.glob("cebb-*.yaml"))
CLUSTER = "2cebb0cluster0id0000000000000000"


def scenario(name: str) -> str:
    return str(FOLDER / f"{name}.yaml")


def notes_of(record: dict[str, Any]) -> list[str]:
    (notes,) = [i["notes"] for i in record["investigations"] if i["name"] == NAME]
    return list(notes)


def test_cebb_is_registered_with_its_route_and_its_route53_simulator() -> None:
    registry = build_registry(entry_points=True)
    investigation = registry.investigation(NAME)
    assert investigation.default_route is not None
    assert investigation.default_route.alert_titles == ("console-ErrorBudgetBurn",)
    assert registry.plugins[NAME].distribution == "cad-consoleerrorbudgetburn"
    simulators = [
        reg.item
        for reg in registry.registrations("cad_sandbox_simulators")
        if reg.plugin.name == NAME
    ]
    assert [(s.name, s.setting) for s in simulators] == [
        ("route53", "AWS_ENDPOINT_URL_ROUTE_53"),
        ("elb", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING"),
        ("elbv2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2"),
    ]


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_cebb_scenario_meets_its_expectations(path: Path) -> None:
    assert run_scenario(str(path)).check() == []


def test_cebb_every_decision_row_has_a_scenario() -> None:
    assert {p.stem.split("-")[1] for p in SCENARIOS} == {f"row{n}" for n in range(1, 5)}


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cebb_the_source_ranges_service_log_names_the_machine_cidr() -> None:
    result = run_scenario(scenario("cebb-row2-source-ranges-exclude-machine-cidr"))
    (log,) = result.world["ocm"]["clusters"][CLUSTER]["service_logs"]
    assert log["severity"] == "Critical" and not log["internal_only"]
    assert "'10.0.0.0/16'" in log["description"] and "allowedSourceRanges" in log["description"]
    notes = notes_of(result.runs[0][1])
    assert any("203.0.113.0/24" in n and "NOT allowed" in n for n in notes)
    assert not any(n.startswith("✅ Route53") for n in notes)  # it stopped at the cause


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cebb_a_missing_apps_record_names_the_zone_and_the_domain() -> None:
    result = run_scenario(scenario("cebb-row3-apps-record-missing-public"))
    (log,) = result.world["ocm"]["clusters"][CLUSTER]["service_logs"]
    assert "*.apps.cluster-c.sandbox.devshift.org DNS record is missing" in log["description"]
    notes = notes_of(result.runs[0][1])
    assert any("missing from the public hosted zone" in n for n in notes)
    route53 = [r["path"] for r in result.requests if r["service"] == "route53"]
    assert route53.count("/2013-04-01/hostedzonesbyname") == 2  # private, then public


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cebb_findings_are_noted_with_the_router_restart_and_recent_events_only() -> None:
    notes = "\n".join(notes_of(run_scenario(scenario("cebb-row4-findings-escalated")).runs[0][1]))
    assert "oc -n openshift-ingress rollout restart deploy/router-default" in notes
    assert "BackOff (x4) - Back-off restarting failed container" in notes
    assert "an old event" not in notes  # older than 30 minutes
    assert "port 80" not in notes  # one healthy target keeps that target group working
    for finding in (
        "192.0.2.53:53",
        "master-0: MemoryPressure",
        "1 node(s) at 80% or more: master-0 (CPU 92%, memory 94%)",
        "192.0.2.10",
        "quay.io:443",
        "NLB a1b2c3-nlb has 1 target group(s) with no healthy target",
        "port 443: 0/2 healthy - i-0infra1: unhealthy - Target.FailedHealthChecks",
        "security groups do not let TCP in on the NodePorts (30000-32767)",
    ):
        assert finding in notes


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cebb_a_failing_route53_read_is_noted_not_acted_on() -> None:
    result = run_scenario(scenario("cebb-row4-route53-unreadable"))
    notes = notes_of(result.runs[0][1])
    assert any(n.startswith("⚠️ Route53: reading the hosted zones failed") for n in notes)
    assert result.world["ocm"]["clusters"][CLUSTER]["service_logs"] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("250m", 0.25), ("4", 4.0), ("16Gi", 16 * 2.0**30), ("16374624Ki", 16374624 * 1024.0)],
)
def test_cebb_kubernetes_quantities_are_read(text: str, value: float) -> None:
    """The node usage reads quantities with the kube client's parser (cad-ocm's)."""
    from cad_ocm.kube import KubeClient

    quantity = KubeClient.quantity
    assert quantity(text) == pytest.approx(value)
    assert quantity("lots") is None and quantity("") is None


@pytest.mark.usefixtures("fast_scenario_runs")
def test_cebb_a_classic_load_balancer_is_read_from_elb() -> None:
    result = run_scenario(scenario("cebb-row4-all-healthy"))
    notes = notes_of(result.runs[0][1])
    assert "✅ LB Health: CLB a1b2c3: all 2 instance(s) InService" in notes
    assert "✅ LB Security: the security groups of CLB a1b2c3 let TCP 443 in" in notes
    services = {r["service"] for r in result.requests}
    assert "elb" in services and "elbv2" not in services
    assert not any(r["write"] for r in result.requests if r["service"] == "elb")


@pytest.mark.parametrize(
    ("rule", "machine_cidr", "allowed"),
    [
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            "10.0.0.0/16",
            True,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
            "10.0.0.0/16",
            True,
        ),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.1.0/24"}],
            },
            "10.0.0.0/16",
            False,
        ),
        ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, "10.0.0.0/16", True),
        (
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            "",
            False,
        ),
        ({"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "IpRanges": []}, "", False),
    ],
)
def test_cebb_security_group_rules_are_read_as_upstream(
    rule: dict[str, Any], machine_cidr: str, allowed: bool
) -> None:
    from cad_consoleerrorbudgetburn.securitygroups import HTTPS, allows_tcp

    assert allows_tcp([{"IpPermissions": [rule]}], HTTPS, machine_cidr) is allowed
