"""Every row of the decision table end to end (webhook, routing, investigation, plan,
executors) against the sandbox world: the scenarios shipped in tests/scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest
from cad_sandbox.commands import run_scenario

SCENARIOS = sorted(str(p) for p in (Path(__file__).parent / "scenarios").glob("*.yaml"))
INCIDENT = "Q1CADTEST00001"


def scenario(name: str) -> str:
    return str(Path(__file__).parent / "scenarios" / f"{name}.yaml")


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: Path(p).stem)
def test_scenario_meets_its_expectations(path: str) -> None:
    assert run_scenario(path).check() == []


@pytest.mark.usefixtures("fast_scenario_runs")
def test_the_analysis_becomes_a_report_of_what_fills_etcd() -> None:
    result = run_scenario(scenario("etcd-classic-critical-escalated"))
    [report] = [
        r
        for r in result.world["backplane"]["reports"]
        if r["summary"] == "CAD Investigation: Analysis of etcd storage utilization"
    ]
    assert "1. openshift-monitoring: 412.50 MB" in report["data"]
    assert "1. shop/catalogue-cache: 0.98 MB (configmaps)" in report["data"]
    [job] = result.world["kube_changes"]["cluster"][:1]
    pod = job["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/hostname": "ip-10-0-1-1"}
    [snapshot] = pod["initContainers"]
    assert "ETCDCTL_ENDPOINTS" not in {e["name"] for e in snapshot["env"]}
    assert job["spec"]["ttlSecondsAfterFinished"] == 600


@pytest.mark.usefixtures("fast_scenario_runs")
def test_an_hcp_job_runs_next_to_the_hosted_etcd_through_a_management_remediation() -> None:
    result = run_scenario(scenario("etcd-hcp-critical-escalated"))
    opened = [
        r.get("query", "")
        for r in result.requests
        if r["service"] == "backplane" and r["method"] == "POST" and "remediation" in r["path"]
    ]
    assert "managingCluster=management&remediationName=etcddatabasequotalowspace" in {
        "&".join(sorted(q.split("&"))) for q in opened
    }
    [job] = result.world["kube_changes"]["management"]
    affinity = job["spec"]["template"]["spec"]["affinity"]["podAffinity"]
    term = affinity["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["labelSelector"]["matchLabels"] == {"statefulset.kubernetes.io/pod-name": "etcd-0"}
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert "oc logs -n ocm-production-" in note


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_dry_run_creates_no_job() -> None:
    result = run_scenario(scenario("etcd-classic-critical-escalated"), dry_run=True)
    assert not [r for r in result.requests if r["service"] == "kube" and r["method"] == "POST"]
    assert "kube_changes" not in result.world


@pytest.mark.usefixtures("fast_scenario_runs")
def test_a_job_that_never_finishes_times_out(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import yaml

    data = yaml.safe_load(Path(scenario("etcd-classic-job-failed")).read_text())
    data["kube"]["jobs"]["outcome"] = "running"
    data["name"] = "etcd-classic-job-never-finishes"
    path = tmp_path / "never.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("CAD_ETCD_ANALYSIS_TIMEOUT_SECONDS", "1")
    result = run_scenario(str(path))
    assert result.check() == []
    note = result.world["pagerduty"]["incidents"][INCIDENT]["notes"][0]
    assert "timed out" in note
