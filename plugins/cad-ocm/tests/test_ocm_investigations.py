"""precheck and ccam decision tables, every row, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from cad_core.errors import (
    FindingError,
    InfrastructureError,
    MissingSettingError,
    PermanentError,
    ResourceError,
)
from cad_core.plan.actions import (
    EscalateIncident,
    IncidentNote,
    LimitedSupport,
    SilenceIncident,
)
from cad_core.plan.engine import EngineSettings, Status, execute_plan
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plan.notes import Notes
from cad_core.run.context import Alert, InvestigationContext, Resources
from cad_core.run.metrics import Dispatcher
from cad_core.testing import make_execution_context

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INCIDENT = "Q1CADTEST00001"


def scenario(
    *clusters: dict, faults: tuple[dict, ...] = (), credentials: str = "ok", incident: bool = False
) -> dict:
    seeds = clusters or ({},)
    world: dict[str, Any] = {
        "name": "cad-ocm-investigations",
        "ocm": {
            "clusters": [
                {"id": CLUSTER, "name": "cluster-a", "infra_id": "cluster-a-x", **seed}
                for seed in seeds
            ]
        },
        "aws": {"credentials": credentials},
        "faults": list(faults),
    }
    if incident:
        world["pagerduty"] = {
            "incident": {
                "id": INCIDENT,
                "title": "cluster-a has gone missing",
                "service": {"id": "PSVC001", "summary": "prod"},
            },
            "alerts": [{"details": {"cluster_id": "nope"}}],
        }
    return world


@pytest.fixture
def start(sandbox, sandbox_env):
    def begin(world: dict) -> Any:
        box = sandbox(world)
        sandbox_env(box)
        return box

    return begin


@pytest.fixture
def investigate(ocm_registry):
    opened: list[Resources] = []

    def run(
        name: str,
        cluster_id: str = CLUSTER,
        resources: Resources | None = None,
        alert: Alert | None = None,
    ):
        if resources is None:
            resources = Resources(ocm_registry.resources(), cluster_id=cluster_id)
            opened.append(resources)
            resources = resources.scoped(name)
        ctx = InvestigationContext(
            name=name, cluster_id=cluster_id, resources=resources, notes=Notes(name), alert=alert
        )
        result = ocm_registry.investigation(name).run(ctx)
        assert not ctx.notes, "precheck and ccam write no run notes"
        return result

    yield run
    for resources in opened:
        resources.close()


def kinds(result) -> list[type]:
    return [type(action) for action in result.actions]


def fault(path: str, status: int, service: str = "ocm", times: int | None = None) -> dict:
    return {"service": service, "method": "GET", "path": path, "status": status, "times": times}


# -- precheck ---------------------------------------------------------------------------


def test_precheck_lets_a_healthy_aws_cluster_through(start, investigate) -> None:
    start(scenario())
    result = investigate("precheck")
    assert result.actions == () and result.stop_chain is None


ALERT = Alert(source="test", id="Q1", title="cluster has gone missing", cluster_id="nope")


def test_precheck_unknown_cluster_escalates_with_a_note(start, investigate) -> None:
    start(scenario())
    result = investigate("precheck", cluster_id="nope", alert=ALERT)
    assert kinds(result) == [IncidentNote, EscalateIncident]
    assert "'nope'" in result.actions[0].content
    assert result.stop_chain == "no such cluster in OCM"


def test_precheck_ambiguous_cluster_escalates_with_a_note(start, investigate) -> None:
    start(scenario({}, {"id": "3abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"}))  # both named cluster-a
    result = investigate("precheck", cluster_id="cluster-a", alert=ALERT)
    assert kinds(result) == [IncidentNote, EscalateIncident]
    assert "more than one cluster" in result.actions[0].content
    assert result.stop_chain


@pytest.mark.parametrize("cluster_id", ["nope", "cluster-a"])
def test_precheck_unknown_cluster_in_manual_mode_is_an_error(
    start, investigate, cluster_id: str
) -> None:  # issue 14.11: `cad run -c doesnotexist` must not exit 0
    start(scenario({}, {"id": "3abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"}))
    with pytest.raises(FindingError, match="looking up the cluster in OCM"):
        investigate("precheck", cluster_id=cluster_id)


def test_precheck_transient_ocm_failure_is_retried(start, investigate) -> None:
    start(scenario(faults=(fault("/api/clusters_mgmt/v1/clusters", 503),)))
    with pytest.raises(InfrastructureError, match="HTTP 503"):
        investigate("precheck")


def test_precheck_other_ocm_failure_goes_to_the_failure_handler(start, investigate) -> None:
    start(scenario(faults=(fault("/api/clusters_mgmt/v1/clusters", 403),)))
    with pytest.raises(ResourceError) as caught:
        investigate("precheck")
    assert isinstance(caught.value.cause, PermanentError)


def test_precheck_silences_an_uninstalling_cluster(start, investigate) -> None:
    start(scenario({"state": "uninstalling"}))
    result = investigate("precheck")
    assert kinds(result) == [IncidentNote, SilenceIncident]
    assert "uninstalled" in result.actions[0].content
    assert result.actions[1].reason == result.actions[0].content
    assert result.stop_chain == "the cluster is uninstalling"


def test_precheck_escalates_clusters_off_aws(start, investigate) -> None:
    start(scenario({"cloud_provider": "gcp", "product": "osd"}))
    result = investigate("precheck")
    assert kinds(result) == [IncidentNote, EscalateIncident]
    assert "gcp" in result.actions[0].content and "only AWS" in result.actions[0].content
    assert "not on AWS" in result.stop_chain


def test_precheck_escalates_when_access_protection_is_unreadable(start, investigate) -> None:
    start(scenario(faults=(fault("/api/access_transparency/v1/access_protection", 403),)))
    result = investigate("precheck")
    assert kinds(result) == [IncidentNote, EscalateIncident]
    assert "could not find out whether access protection" in result.actions[0].content
    assert result.stop_chain == "access protection status unknown"


def test_precheck_retries_a_transient_access_protection_failure(start, investigate) -> None:
    start(scenario(faults=(fault("/api/access_transparency/v1/access_protection", 502),)))
    with pytest.raises(InfrastructureError, match="access protection"):
        investigate("precheck")


def test_precheck_escalates_access_protected_clusters(start, investigate) -> None:
    start(scenario({"access_protected": True}))
    result = investigate("precheck")
    assert kinds(result) == [IncidentNote, EscalateIncident]
    assert "Access protection is enabled" in result.actions[0].content
    assert result.stop_chain == "access protection is enabled on the cluster"


def test_precheck_unknown_cluster_escalation_really_executes(
    start, investigate, ocm_registry
) -> None:
    pagerduty = ocm_registry.plugins.get("pagerduty")
    if pagerduty is None or pagerduty.status != "loaded":
        pytest.skip("cad-pagerduty (the incident executors) is not available")
    box = start(scenario(incident=True))
    alert = Alert(
        source="pagerduty", id=INCIDENT, title="cluster-a has gone missing", cluster_id="nope"
    )
    result = investigate("precheck", cluster_id="nope", alert=alert)
    ctx = make_execution_context(ocm_registry, cluster_id="nope", alert=alert)
    outcomes = execute_plan(
        result.actions,
        ctx,
        ocm_registry,
        Dispatcher({}),
        EngineSettings(retry=RetryPolicy(base_delay=0.01)),
    )
    assert [(o.type, o.status) for o in outcomes] == [
        ("incident_note", Status.SUCCEEDED),
        ("escalate_incident", Status.SUCCEEDED),
    ]
    incident = box.world.to_json()["pagerduty"]["incidents"][INCIDENT]
    # The escalation reason rides in the same note (one PagerDuty request fewer).
    assert any(n.startswith(result.actions[0].content) for n in incident["notes"])
    assert incident["escalation_level"] == 2


# -- ccam -------------------------------------------------------------------------------

CREDENTIALS = f"/backplane/cloud/credentials/{CLUSTER}"


def test_ccam_does_nothing_when_credentials_work(start, investigate) -> None:
    start(scenario())
    result = investigate("ccam")
    assert result.actions == () and result.stop_chain is None


def test_ccam_ready_cluster_gets_limited_support_and_silence(
    start, investigate, ocm_registry
) -> None:
    box = start(scenario(credentials="denied"))
    result = investigate("ccam")
    assert kinds(result) == [LimitedSupport, SilenceIncident]
    limited = result.actions[0]
    assert limited.context == "CCAM" and "restore" in limited.summary
    assert "AccessDenied" in result.stop_chain
    ctx = make_execution_context(ocm_registry, cluster_id=CLUSTER)  # manual: no incident
    outcomes = execute_plan(result.actions, ctx, ocm_registry, Dispatcher({}))
    # Outcomes come in plan order: limited support ran, the silence (manual run) was dropped.
    assert [o.status for o in outcomes] == [Status.SUCCEEDED, Status.DROPPED_BY_POLICY]
    reasons = box.world.to_json()["ocm"]["clusters"][CLUSTER]["limited_support_reasons"]
    assert reasons == [{"summary": limited.summary, "details": limited.details}]


def test_ccam_uninstalling_cluster_is_only_silenced(start, investigate) -> None:
    start(scenario({"state": "uninstalling"}, credentials="denied"))
    result = investigate("ccam")
    assert kinds(result) == [SilenceIncident] and result.stop_chain
    assert "uninstalling" in result.actions[0].reason


def test_ccam_other_states_escalate(start, investigate) -> None:
    start(scenario({"state": "hibernating"}, credentials="denied"))
    result = investigate("ccam")
    assert kinds(result) == [EscalateIncident] and result.stop_chain
    assert "'hibernating'" in result.actions[0].reason


def test_ccam_other_credential_failures_are_retried_with_a_fresh_build(
    start, investigate, ocm_registry
) -> None:
    start(scenario(faults=(fault(CREDENTIALS, 503, service="backplane", times=1),)))
    resources = Resources(ocm_registry.resources(), cluster_id=CLUSTER)
    try:
        with pytest.raises(InfrastructureError, match="backplane"):
            investigate("ccam", resources=resources)
        result = investigate("ccam", resources=resources)  # the runner's retry
    finally:
        resources.close()
    assert result.actions == () and result.stop_chain is None


def test_ccam_passes_cluster_failures_on_unchanged(start, investigate) -> None:
    start(scenario())
    with pytest.raises(ResourceError) as caught:
        investigate("ccam", cluster_id="nope")
    assert caught.value.name == "cluster"


def test_ccam_reports_missing_settings_as_they_are(start, investigate, monkeypatch) -> None:
    start(scenario())
    monkeypatch.delenv("BACKPLANE_URL")
    with pytest.raises(ResourceError) as caught:
        investigate("ccam")
    assert isinstance(caught.value.cause, MissingSettingError)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (403, "Failed to find trusted relationship to support role 'RH-Technical-Support-Access'"),
        (
            500,
            "User: arn:aws:sts::1:assumed-role/RH-Managed-OpenShift-Installer/OCM is not "
            "authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/Support",
        ),
        (
            400,
            "Support role, used with cluster '2h9pah3dia23jtu9or8f0kgt87lq15vc', does not exist "
            "in the customer's AWS account",
        ),
        (
            401,
            "could not assume support role in customer's account: operation error STS: "
            "AssumeRole, api error AccessDenied: not allowed",
        ),
        (502, "User: x is not authorized to perform: iam:GetRole on resource: role Installer"),
    ],
)
def test_ccam_recognises_each_removed_credentials_reply(
    world, ref, fake, investigate, status, text
) -> None:
    cluster = world.add(ref("ocm_cluster_rosa_classic_sts"))
    fake.route(
        "GET",
        f"/backplane/cloud/credentials/{cluster['id']}",
        status=status,
        body={"statusCode": status, "message": text},
    )
    result = investigate("ccam", cluster_id=cluster["id"])
    assert kinds(result) == [LimitedSupport, SilenceIncident]
    assert text in result.stop_chain
