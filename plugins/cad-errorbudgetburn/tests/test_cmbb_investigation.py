"""Every row of the decision table, with the plugin loaded through its entry point and
its resources provided by an inline fake plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cad_core import (
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    InvestigationContext,
    Notes,
    Resource,
    ServiceLog,
    SilenceIncident,
)
from cad_core.errors import InfrastructureError, ResourceError
from cad_core.plugins.registry import build_registry
from cad_core.run.context import Resources
from cad_core.testing import inline_plugin

from cad_errorbudgetburn import messages

NAME = "clustermonitoringerrorbudgetburn"
CLUSTER = {
    "id": "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q",
    "external_id": "6f1d2c3b",
    "product": {"id": "rosa"},
}
DATA = Path(__file__).parent / "data"
CONDITIONS = json.loads(
    (DATA / "cad_testdata_monitoring_clusteroperator_conditions.json").read_text()
)
ROSA_DOCS = messages.monitoring_stack_docs("rosa")


class FakeKube:
    """The ``kube`` resource's contract: ``get(path, params)`` and ``close()``."""

    def __init__(self, items=None, error: Exception | None = None) -> None:
        self.items, self.error, self.calls = items or [], error, []

    def get(self, path, params=None):
        self.calls.append((path, params))
        if self.error is not None:
            raise self.error
        return {"kind": "ClusterOperatorList", "items": self.items}

    def close(self) -> None:
        pass


def fake(value):
    """A resource factory's result: an exception stands for a failed build."""
    if isinstance(value, Exception):
        raise value
    return value


def operator(*conditions):
    return {"metadata": {"name": "monitoring"}, "status": {"conditions": list(conditions)}}


@pytest.fixture
def investigate(monkeypatch):
    """Run the investigation by name against fake ``cluster`` and ``kube`` resources."""
    monkeypatch.setenv("CAD_DISABLE_PLUGINS", "cad-ocm")  # its real resources would win

    def run(kube, cluster=CLUSTER, name=NAME):
        def cad_resources():
            yield Resource(name="cluster", factory=lambda _r: fake(cluster))
            yield Resource(name="kube", factory=lambda _r: fake(kube))

        registry = build_registry(
            (inline_plugin("fake", cad_resources=cad_resources),), entry_points=True
        )
        investigation = registry.investigation(name)
        notes = Notes(investigation.name)
        ctx = InvestigationContext(
            name=investigation.name,
            cluster_id="cluster-a",
            resources=Resources(registry.resources(), cluster_id="cluster-a"),
            notes=notes,
        )
        return investigation.run(ctx), notes

    return run


def types_of(result):
    return [type(action) for action in result.actions]


def test_cmbb_is_registered_by_its_entry_point_with_its_alias(investigate):
    registry = build_registry(entry_points=True)
    assert registry.investigation("cmbb").name == NAME
    assert registry.plugins["errorbudgetburn"].distribution == "cad-errorbudgetburn"


def test_cmbb_lists_the_monitoring_operator_by_field_selector(investigate):
    kube = FakeKube([operator(CONDITIONS["available_true"])])
    investigate(kube)
    assert kube.calls == [
        (
            "/apis/config.openshift.io/v1/clusteroperators",
            {"fieldSelector": "metadata.name=monitoring"},
        )
    ]


def test_cmbb_an_unreachable_api_is_noted_and_escalated(investigate):
    result, notes = investigate(ConnectionError("backplane said 502 Bad Gateway"))
    assert types_of(result) == [IncidentNote, EscalateIncident]
    note = result.actions[0].content
    assert note.startswith(notes.header) and "could not reach the cluster's API" in note
    assert "backplane said 502 Bad Gateway" in note
    assert result.actions[1].reason == messages.ESCALATE_API_UNREACHABLE
    assert result.stop_chain is None


def test_cmbb_a_failed_list_is_an_infrastructure_error(investigate):
    with pytest.raises(InfrastructureError, match="listing the monitoring clusteroperator"):
        investigate(FakeKube(error=TimeoutError("read timed out")))


@pytest.mark.parametrize("items", [[], [operator(), operator()]])
def test_cmbb_not_exactly_one_operator_escalates_with_a_report(investigate, items):
    result, notes = investigate(FakeKube(items))
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert notes.lines == [
        f"⚠️ Expected exactly one cluster operator named monitoring, found {len(items)}"
    ]
    assert f"Found {len(items)} cluster operators" in result.actions[2].reason


def test_cmbb_report_uses_the_internal_id_and_holds_the_notes(investigate):
    result, notes = investigate(FakeKube([operator(CONDITIONS["available_true"])]))
    report = result.actions[0]
    assert report.cluster_id == CLUSTER["id"]
    assert report.summary.endswith(f" : {NAME}")
    assert report.data == notes.text()
    assert result.actions[1] == IncidentNote()  # the run notes, resolved when it is posted


@pytest.mark.parametrize(
    "sample, summary, silence",
    [
        (
            "available_false_uwm_configmap_unparseable",
            messages.CONFIG_INVALID_SUMMARY,
            messages.CONFIG_INVALID_SILENCE,
        ),
        (
            "available_false_uwm_alertmanager",
            messages.ALERTMANAGER_SUMMARY,
            messages.ALERTMANAGER_SILENCE,
        ),
        (
            "available_false_uwm_prometheus",
            messages.PROMETHEUS_SUMMARY,
            messages.PROMETHEUS_SILENCE,
        ),
    ],
)
def test_cmbb_a_uwm_misconfiguration_gets_a_service_log_and_silence(
    investigate, sample, summary, silence
):
    condition = CONDITIONS[sample]
    result, notes = investigate(FakeKube([operator(CONDITIONS["upgradeable_true"], condition)]))
    assert types_of(result) == [ClusterReport, IncidentNote, ServiceLog, SilenceIncident]
    service_log = result.actions[2]
    assert (service_log.severity, service_log.summary) == ("Major", summary)
    assert (service_log.service_name, service_log.internal_only) == ("SREManualAction", False)
    assert ROSA_DOCS in service_log.description
    assert result.actions[3] == SilenceIncident(reason=silence, requires=["service_log"])
    assert notes.lines[0].startswith("⚠️ ")
    assert condition["message"] in notes.lines[1]


def test_cmbb_the_4_18_form_gets_the_configmap_service_log(investigate):
    condition = {
        "type": "Available",
        "status": "False",
        "reason": "UserWorkloadInvalidConfiguration",
        "message": "invalid UWM configuration: the user workload monitoring "
        'configuration in "config.yaml" could not be parsed: yaml: bad',
    }
    result, _notes = investigate(FakeKube([operator(condition)]))
    assert result.actions[2].summary == messages.CONFIG_INVALID_SUMMARY


@pytest.mark.parametrize(
    "product, link",
    [
        ({"id": "osd"}, messages.MONITORING_STACK_DOCS["osd"]),
        ({"id": "rosa"}, messages.MONITORING_STACK_DOCS["rosa"]),
        ({"id": "ocp"}, messages.MONITORING_STACK_DOCS["rosa"]),
        (None, messages.MONITORING_STACK_DOCS["rosa"]),
    ],
)
def test_cmbb_the_docs_link_matches_the_product(investigate, product, link):
    cluster = {**CLUSTER, "product": product}
    condition = CONDITIONS["available_false_uwm_alertmanager"]
    result, _notes = investigate(FakeKube([operator(condition)]), cluster=cluster)
    assert link in result.actions[2].description
    other = {messages.MONITORING_STACK_DOCS["osd"], messages.MONITORING_STACK_DOCS["rosa"]} - {link}
    assert not any(o in result.actions[2].description for o in other)


@pytest.mark.parametrize(
    "conditions",
    [
        [CONDITIONS["available_true"]],
        [],  # no Available condition at all
        [CONDITIONS["available_true"], CONDITIONS["available_false_uwm_prometheus"]],
        [
            {
                "type": "Degraded",
                "status": "True",
                "message": CONDITIONS["available_false_uwm_prometheus"]["message"],
            }
        ],
    ],
)
def test_cmbb_no_symptom_rules_uwm_out_and_escalates(investigate, conditions):
    result, notes = investigate(FakeKube([operator(*conditions)]))
    assert types_of(result) == [ClusterReport, IncidentNote, EscalateIncident]
    assert notes.lines[0] == f"✅ {messages.UWM_RULED_OUT}"
    assert result.actions[2].reason == messages.ESCALATE_RULED_OUT


def test_cmbb_a_cluster_that_cannot_be_read_propagates(investigate):
    condition = CONDITIONS["available_false_uwm_alertmanager"]
    with pytest.raises(ResourceError) as error:
        investigate(FakeKube([operator(condition)]), cluster=LookupError("no such cluster"))
    assert error.value.name == "cluster"
