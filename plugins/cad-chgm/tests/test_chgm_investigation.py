"""Every row of the chgm decision table (docs/investigations/chgm.md).

The plugin is loaded through its entry point. OCM facts come from an inline fake plugin's
resources; AWS is a real boto3 session talking HTTPS to the sandbox's EC2 and CloudTrail
simulators, and the egress verifier is the sandbox's stand-in CLI run as a subprocess.
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import boto3
import botocore.session
import pytest
from cad_core import (
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    InvestigationContext,
    LimitedSupport,
    Notes,
    Resource,
    ServiceLog,
    SilenceIncident,
)
from cad_core.errors import InfrastructureError, ResourceError
from cad_core.plugins.registry import build_registry, set_registry
from cad_core.run.context import Resources
from cad_core.testing import inline_plugin

from cad_chgm import messages
from cad_chgm.hibernation import SOP_LINK

CLUSTER_ID = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INFRA_ID = "cluster-a-x7k2p"
CLUSTER = {
    "id": CLUSTER_ID,
    "external_id": "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b",
    "name": "cluster-a",
    "state": "ready",
    "product": {"id": "rosa"},
    "ccs": {"enabled": True},
    "region": {"id": "us-east-1"},
    "nodes": {"master": 3, "infra": 2},
    "aws": {"subnet_ids": ["subnet-0a1b"]},
    "infra_id": INFRA_ID,
}
DEPLOYMENT = {"spec": {"clusterMetadata": {"infraID": INFRA_ID}}}
POOLS = [{"id": "worker", "replicas": 3}]
SANDBOX_SESSION = object()  # stands for "a real boto3 session pointed at the sandbox"
# One botocore session for the module: it caches the parsed service models, which would
# otherwise be loaded again for every test. Endpoints and CA bundle are still read from
# the environment each time a client is made.
BOTOCORE = botocore.session.get_session()
NODES = (
    [f"master-{n}" for n in range(3)]
    + [f"infra-{n}" for n in range(2)]
    + [f"worker-{n}" for n in range(3)]
)


def instances(stopped=(), state="stopped", stopped_at="-40m"):
    """The cluster's eight nodes; those named in ``stopped`` are not running."""
    result = []
    for number, node in enumerate(NODES):
        item = {"id": f"i-0a{number}", "name": f"{INFRA_ID}-{node}", "state": "running"}
        if node in stopped:
            item.update(state=state, stopped_at=stopped_at)
        result.append(item)
    return result


def world(nodes=None, cloudtrail=(), egress=None, faults=()):
    # The OCM cluster's infra id is what tags the simulated instances as the cluster's own.
    return {
        "name": "chgm-test",
        "ocm": {"clusters": [{"id": CLUSTER_ID, "name": "cluster-a", "infra_id": INFRA_ID}]},
        "aws": {
            "instances": nodes if nodes is not None else instances(),
            "cloudtrail": list(cloudtrail),
        },
        "egress": egress or {"result": "success"},
        "faults": list(faults),
    }


def stop_event(
    *node_ids, username="jdoe", issuer="", version="1.08", at="-40m", event="StopInstances"
):
    return {
        "event": event,
        "instances": list(node_ids),
        "at": at,
        "username": username,
        "issuer": issuer,
        "event_version": version,
    }


def fake(value):
    if isinstance(value, Exception):
        raise value
    return value


def installed_resource(name):
    """A resource exactly as its installed plugin registers it (here: cad-ocm's verifier)."""
    return build_registry(entry_points=True).resources()[name]


@pytest.fixture
def chgm(sandbox, sandbox_env, monkeypatch, request):
    egress = installed_resource("egress_verification")
    findings = installed_resource("egress_findings")
    # cad-ocm is disabled for the investigation (its other resources would win), not for
    # the sandbox, whose OCM and AWS simulators it declares. Forget the process-wide
    # registry afterwards, so later tests in this process build it afresh.
    request.addfinalizer(lambda: set_registry(None))
    monkeypatch.setenv("CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS", "0")

    def run(
        scenario,
        *,
        cluster=CLUSTER,
        deployment=DEPLOYMENT,
        pools=POOLS,
        hibernation=None,
        session=SANDBOX_SESSION,
        env=None,
    ):
        run.box = sandbox(scenario)
        sandbox_env(run.box)
        monkeypatch.setenv("CAD_DISABLE_PLUGINS", "cad-ocm")  # its other resources would win
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)

        def periods():
            return fake(hibernation() if callable(hibernation) else (hibernation or []))

        def aws_session(_resources):
            if session is SANDBOX_SESSION:
                return boto3.Session(botocore_session=BOTOCORE, region_name="us-east-1")
            return fake(session)

        def cad_resources():
            yield Resource(name="cluster", factory=lambda _r: fake(cluster))
            yield Resource(name="cluster_deployment", factory=lambda _r: fake(deployment))
            yield Resource(name="machine_pools", factory=lambda _r: fake(pools))
            yield Resource(name="hibernation_periods", factory=lambda _r: periods())
            yield Resource(name="aws_session", factory=aws_session)
            yield egress
            yield findings

        registry = build_registry(
            (inline_plugin("fake", cad_resources=cad_resources),), entry_points=True
        )
        investigation = registry.investigation("chgm")
        notes = run.notes = Notes(investigation.name)
        ctx = InvestigationContext(
            name=investigation.name,
            cluster_id="cluster-a",
            notes=notes,
            resources=Resources(registry.resources(), cluster_id="cluster-a"),
        )
        result = investigation.run(ctx)
        assert result.stop_chain is None  # chgm never ends the chain
        return result, notes

    return run


def types_of(result):
    return [type(action) for action in result.actions]


def text_of(notes):
    return "\n".join(notes.lines)


def test_chgm_is_registered_by_its_entry_point():
    registry = build_registry(entry_points=True)
    assert registry.investigation("chgm").name == "chgm"
    assert registry.plugins["chgm"].distribution == "cad-chgm"


# --- rows 1-2: errors the runner handles ------------------------------------------------------


@pytest.mark.parametrize("broken", ["cluster", "deployment", "session"])
def test_chgm_row1_a_resource_that_cannot_be_built_propagates(chgm, broken):
    failure = RuntimeError(f"{broken} unavailable")
    kwargs = {broken: failure}
    with pytest.raises(ResourceError, match=f"{broken} unavailable"):
        chgm(world(), **kwargs)


def test_chgm_row2_an_ec2_failure_is_an_infrastructure_error(chgm):
    fault = {"service": "aws", "path": "/DescribeInstances", "status": 403}
    with pytest.raises(InfrastructureError, match="UnauthorizedOperation") as error:
        chgm(world(faults=[fault]))
    assert error.value.context == "listing the cluster's instances"


def test_chgm_row2_a_cloudtrail_failure_is_an_infrastructure_error(chgm):
    fault = {"service": "aws", "path": "/LookupEvents", "status": 403}
    scenario = world(instances(stopped=["master-0"]), [stop_event("i-0a0")], faults=[fault])
    with pytest.raises(InfrastructureError, match="AccessDenied"):
        chgm(scenario)
    # The runner retries with the same notes: nothing may be written before a retry.
    assert chgm.notes.lines == []


def test_chgm_row2_a_machine_pool_failure_is_an_infrastructure_error(chgm):
    with pytest.raises(InfrastructureError, match="OCM said 503") as error:
        chgm(world(), pools=ConnectionError("OCM said 503"))
    assert error.value.context == "reading machine pools"


# --- rows 3-4: the check could not finish --------------------------------------------------


def assert_escalated_for_review(result, notes, reason, warning):
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert result.actions[2] == EscalateIncident(reason=reason)
    assert warning in text_of(notes)
    assert result.actions[0].data == notes.text()  # the report holds the findings


@pytest.mark.parametrize(
    "scenario, deployment, finding",
    [
        (world(), {"spec": {}}, "no spec.clusterMetadata.infraID"),
        (
            world(instances(stopped=["master-0"])),
            DEPLOYMENT,
            "no StopInstances or TerminateInstances event newer than the stop time",
        ),
        (
            world(instances(stopped=["master-0"]), [stop_event("i-0a0", at="-3h")]),
            DEPLOYMENT,
            "no StopInstances or TerminateInstances event",
        ),  # older than the 2-hour window
        (
            world(instances(stopped=["master-0"]), [stop_event("i-0a0", at="-50m")]),
            DEPLOYMENT,
            "no StopInstances or TerminateInstances event",
        ),  # older than the stop: a previous one
        (
            world(instances(stopped=["master-0"]), [stop_event("i-0a0", version="1.7")]),
            DEPLOYMENT,
            "eventVersion 1.7 is not supported",
        ),
        (
            world(instances(stopped=["master-0"], stopped_at=None)),
            DEPLOYMENT,
            "no stop time in StateTransitionReason for i-0a0",
        ),
        (
            world(
                instances(stopped=["master-0", "master-1"]),
                [stop_event("i-0a0", username="osdManagedAdmin-x")],
            ),
            DEPLOYMENT,
            "no usable event was found for i-0a1",
        ),
    ],
)
def test_chgm_row3_a_finding_is_noted_and_escalated(chgm, scenario, deployment, finding):
    result, notes = chgm(scenario, deployment=deployment)
    assert_escalated_for_review(
        result,
        notes,
        messages.ESCALATE_INCOMPLETE,
        "⚠️ The stopped-instance check could not finish: ",
    )
    assert finding in text_of(notes)


def test_chgm_row4_an_unforeseen_error_is_noted_and_escalated(chgm):
    class Unusable:
        def client(self, name):
            raise RuntimeError(f"no {name} client today")

    result, notes = chgm(world(), session=Unusable())
    assert_escalated_for_review(
        result, notes, messages.ESCALATE_ERROR, "⚠️ The stopped-instance check failed unexpectedly: "
    )
    assert "no ec2 client today" in text_of(notes)


# --- row 5: the customer stopped instances ---------------------------------------------------


@pytest.mark.parametrize(
    "event, ccs",
    [
        (stop_event("i-0a0", "i-0a1", "i-0a2", username="jdoe"), True),
        (
            stop_event(
                "i-0a0",
                "i-0a1",
                "i-0a2",
                username="1234",
                issuer="testuser",
                event="TerminateInstances",
            ),
            True,
        ),
        (
            stop_event(
                "i-0a0", "i-0a1", "i-0a2", username="x", issuer="OrganizationAccountAccessRole"
            ),
            True,
        ),
    ],
)
def test_chgm_row5_customer_stops_mean_limited_support_and_silence(chgm, event, ccs):
    scenario = world(instances(stopped=["master-0", "master-1", "master-2"]), [event])
    result, notes = chgm(scenario, cluster={**CLUSTER, "ccs": {"enabled": ccs}})
    assert types_of(result) == [ClusterReport, IncidentNote, LimitedSupport, SilenceIncident]
    assert result.actions[2] == LimitedSupport(
        summary=messages.STOPPED_LS_SUMMARY,
        details=messages.stopped_ls_details(["i-0a0", "i-0a1", "i-0a2"]),
        context="StoppedInstances",
    )
    assert result.actions[3] == SilenceIncident(
        reason=messages.SILENCE_CUSTOMER_STOPPED, requires=["limited_support"]
    )
    assert "⚠️ Instances were stopped or terminated by the customer" in text_of(notes)
    assert "i-0a0, i-0a1, i-0a2" in result.actions[2].details
    assert (
        "Running nodes on AWS: 0 master, 2 infra, 3 worker; OCM expects 3 master, 2 infra, "
        "3 worker" in text_of(notes)
    )


def test_chgm_asks_ec2_once_and_cloudtrail_for_both_event_names_side_by_side(chgm):
    """Both LookupEvents calls must be in flight together to pass the barrier; one after
    the other, the first waits out the timeout, fails, and the plan is an escalation."""
    barrier = threading.Barrier(2, timeout=30)

    def meet(**_kwargs):
        barrier.wait()

    BOTOCORE.register("before-send.cloudtrail.LookupEvents", meet)
    try:
        scenario = world(instances(stopped=["master-0"]), [stop_event("i-0a0")])
        result, _notes = chgm(scenario)
    finally:
        BOTOCORE.unregister("before-send.cloudtrail.LookupEvents", meet)
    assert types_of(result) == [ClusterReport, IncidentNote, LimitedSupport, SilenceIncident]
    paths = [r["path"] for r in chgm.box.world.requests() if r["service"] == "aws"]
    assert sorted(paths) == ["/DescribeInstances", "/LookupEvents", "/LookupEvents"]


def test_chgm_row5_one_customer_stop_outweighs_authorized_ones(chgm):
    scenario = world(
        instances(stopped=["master-0", "worker-0"]),
        [
            stop_event(
                "i-0a5", username="x", issuer="c-openshift-machine-api-aws-cloud-credentials"
            ),
            stop_event("i-0a0", username="jdoe"),
        ],
    )
    result, _notes = chgm(scenario)
    assert LimitedSupport in types_of(result)


# --- the authorized path and rows 6-9: egress ----------------------------------------------


def test_chgm_row8_nothing_stopped_and_egress_ok_escalates(chgm, sandbox):
    result, notes = chgm(world())
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert result.actions[2] == EscalateIncident(reason=messages.ESCALATE_NOTHING_TO_FIX)
    assert notes.lines == [
        "Running nodes on AWS: 3 master, 2 infra, 3 worker; OCM expects 3 master, 2 infra, "
        "3 worker",
        f"✅ {messages.NO_CUSTOMER_STOPS}",
        "✅ The egress check found no blocked endpoints",  # cad-ocm's egress_findings
    ]
    report = result.actions[0]
    assert report.cluster_id == CLUSTER_ID and report.summary.endswith(" : chgm")


@pytest.mark.parametrize(
    "event, ccs",
    [
        (stop_event("i-0a0", username="x", issuer="ManagedOpenShift-Installer-Role"), True),
        (stop_event("i-0a0", username="RH-SRE-jdoe"), True),
        (stop_event("i-0a0", username="x", issuer="OrganizationAccountAccessRole"), False),
        (
            stop_event(
                "i-0a0",
                username="x",
                issuer="c-openshift-machine-api-aws-cloud-credentials",
                event="TerminateInstances",
            ),
            True,
        ),
    ],
)
def test_chgm_authorized_stops_continue_to_the_egress_check(chgm, event, ccs):
    nodes = instances(
        stopped=["master-0"],
        state="terminated" if event["event"] == "TerminateInstances" else "stopped",
    )
    result, notes = chgm(world(nodes, [event]), cluster={**CLUSTER, "ccs": {"enabled": ccs}})
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert f"✅ {messages.authorized_stops(['i-0a0'])}" in notes.lines


def test_chgm_row6_blocked_deadmanssnitch_means_limited_support_and_silence(chgm):
    blocked = ["nosnch.in:443", "quay.io:443"]
    result, notes = chgm(world(egress={"result": "failure", "unreachable": blocked}))
    assert types_of(result) == [ClusterReport, IncidentNote, LimitedSupport, SilenceIncident]
    assert result.actions[2] == LimitedSupport(
        summary=messages.EGRESS_LS_SUMMARY,
        details=messages.egress_ls_details(blocked),
        context="EgressBlocked",
    )
    assert messages.EGRESS_ARTICLE in result.actions[2].details
    assert result.actions[3] == SilenceIncident(
        reason=messages.SILENCE_DEADMANSSNITCH, requires=["limited_support"]
    )
    assert f"⚠️ {messages.deadmanssnitch_blocked(blocked)}" in notes.lines


@pytest.mark.parametrize(
    "product, link",
    [
        ({"id": "rosa"}, messages.PRIVATELINK_FIREWALL_DOCS["rosa"]),
        ({"id": "osd"}, messages.PRIVATELINK_FIREWALL_DOCS["osd"]),
        ({"id": "ocp"}, messages.PRIVATELINK_FIREWALL_DOCS["rosa"]),
        (None, messages.PRIVATELINK_FIREWALL_DOCS["rosa"]),
    ],
)
def test_chgm_row7_other_blocked_targets_get_a_service_log_and_escalation(chgm, product, link):
    blocked = ["quay.io:443", "api.openshift.com:443"]
    scenario = world(egress={"result": "failure", "unreachable": blocked})
    result, notes = chgm(scenario, cluster={**CLUSTER, "product": product})
    assert types_of(result) == [ClusterReport, IncidentNote, ServiceLog, EscalateIncident]
    service_log = result.actions[2]
    assert (service_log.severity, service_log.summary) == ("Critical", messages.EGRESS_SL_SUMMARY)
    assert (service_log.service_name, service_log.internal_only) == ("SREManualAction", False)
    assert service_log.description == messages.egress_sl_description(blocked, link)
    assert result.actions[3] == EscalateIncident(reason=messages.ESCALATE_OTHER_EGRESS)
    assert notes.lines[-3:] == [
        f"⚠️ {messages.OTHER_EGRESS_BLOCKED}",
        f"⚠️ {messages.LOOK_AT_CLUSTER}",
        "Unreachable endpoints:\nquay.io:443\napi.openshift.com:443",
    ]


def test_chgm_row9_a_verifier_error_is_noted_and_escalated(chgm):
    result, notes = chgm(world(egress={"result": "error"}))
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert result.actions[2] == EscalateIncident(reason=messages.ESCALATE_NOTHING_TO_FIX)
    warning = notes.lines[-1]
    assert warning.startswith("⚠️ Egress was not verified: the network verifier did not complete.\n")
    assert "exited with status 2" in warning


def test_chgm_row9_a_missing_verifier_is_noted_and_escalated(chgm, tmp_path):
    missing = str(tmp_path / "osd-network-verifier")
    result, notes = chgm(world(), env={"CAD_NETWORK_VERIFIER": missing})
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert "is not installed" in notes.lines[-1]


def test_chgm_row9_an_unknown_region_is_noted_and_escalated(chgm):
    cluster = {key: value for key, value in CLUSTER.items() if key != "region"}
    result, notes = chgm(world(), cluster=cluster)
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert "the cluster's region is unknown to OCM" in notes.lines[-1]


RECORDER = """
import json, os, sys
with open(os.environ["RECORD_TO"], "w") as out:
    json.dump({"argv": sys.argv[1:], "region": os.environ.get("AWS_REGION"),
               "has_key": bool(os.environ.get("AWS_ACCESS_KEY_ID"))}, out)
print("All tests passed")
"""


def test_chgm_the_verifier_probes_from_the_clusters_region_and_subnet(chgm, tmp_path):
    script, record = tmp_path / "recorder.py", tmp_path / "record.json"
    script.write_text(RECORDER)
    command = shlex.join([sys.executable, str(script)])
    cluster = {**CLUSTER, "region": {"id": "eu-west-1"}}
    chgm(world(), cluster=cluster, env={"CAD_NETWORK_VERIFIER": command, "RECORD_TO": str(record)})
    seen = json.loads(record.read_text())
    assert seen == {
        "argv": ["egress", "--region", "eu-west-1", "--subnet-id", "subnet-0a1b"],
        "region": "eu-west-1",
        "has_key": True,
    }


# --- hibernation ---------------------------------------------------------------------------


def test_chgm_a_recent_resume_adds_a_warning_and_changes_nothing_else(chgm):
    now = datetime.now(UTC)
    periods = [
        {"hibernated": now - timedelta(hours=9), "resumed": now - timedelta(hours=8)},
        {"hibernated": now - timedelta(hours=5), "resumed": now - timedelta(hours=1)},
    ]
    result, notes = chgm(world(), hibernation=periods)
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    warning = next(line for line in notes.lines if "hibernation" in line)
    assert warning.startswith("⚠️ The cluster resumed from hibernation") and SOP_LINK in warning


def test_chgm_an_old_resume_adds_nothing(chgm):
    now = datetime.now(UTC)
    periods = [{"hibernated": now - timedelta(hours=5), "resumed": now - timedelta(hours=3)}]
    _result, notes = chgm(world(), hibernation=periods)
    assert not any("hibernation" in line for line in notes.lines)


def test_chgm_an_unreadable_hibernation_history_is_noted_and_the_check_goes_on(chgm):
    result, notes = chgm(world(), hibernation=ConnectionError("service logs down"))
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert "⚠️ Could not read the cluster's hibernation history: service logs down" in notes.lines


def test_chgm_reads_hibernation_and_egress_side_by_side(chgm):
    """The hibernation history waits here until the egress verifier's request reached the
    sandbox: read one after the other, it would wait in vain (and the test fail)."""
    seen = threading.Event()

    def hibernation_after_egress_started():
        deadline = time.monotonic() + 30
        while not seen.is_set() and time.monotonic() < deadline:
            if any(entry["service"] == "egress" for entry in chgm.box.world.requests()):
                seen.set()
            time.sleep(0.01)
        return []

    result, _notes = chgm(world(), hibernation=hibernation_after_egress_started)
    assert seen.is_set()
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
