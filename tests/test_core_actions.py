"""Every action type validates when built and round-trips through JSON."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cad_core.errors import ActionValidationError
from cad_core.plan.actions import (
    SEVERITIES,
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    IncidentTitle,
    LimitedSupport,
    ServiceLog,
    SilenceIncident,
    action_types,
    from_dict,
    from_json,
    register_action_type,
    to_dict,
    to_json,
)

text = st.text(min_size=1).filter(lambda s: s.strip())
ACTIONS = st.one_of(
    st.builds(
        ServiceLog,
        severity=st.sampled_from(SEVERITIES),
        summary=text,
        description=text,
        service_name=text,
        internal_only=st.booleans(),
        reason=st.text(),
    ),
    st.builds(LimitedSupport, summary=text, details=text, context=st.text()),
    st.builds(IncidentNote, content=st.none() | text),
    st.builds(SilenceIncident, reason=st.text()),
    st.builds(EscalateIncident, reason=st.text()),
    st.builds(IncidentTitle, prefix=text),
    st.builds(ClusterReport, cluster_id=text, summary=text, data=text),
)


@given(ACTIONS)
def test_every_action_round_trips_through_json(action: Any) -> None:
    encoded = to_json(action)
    assert json.loads(encoded)["type"] == action.type_id
    assert from_json(encoded) == action


def test_the_seven_design_types_are_registered() -> None:
    assert set(action_types()) >= {
        "service_log",
        "limited_support",
        "incident_note",
        "silence_incident",
        "escalate_incident",
        "incident_title",
        "cluster_report",
    }


def test_service_log_defaults() -> None:
    log = ServiceLog(severity="Info", summary="s", description="d")
    assert to_dict(log) == {
        "type": "service_log",
        "severity": "Info",
        "summary": "s",
        "description": "d",
        "service_name": "SREManualAction",
        "internal_only": False,
        "reason": "",
    }


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: ServiceLog(severity="Urgent", summary="s", description="d"),
            "service_log: severity 'Urgent' is not one of Info, Warning, Major, Critical",
        ),
        (
            lambda: ServiceLog(severity="Info", summary=" ", description="d"),
            "service_log: summary must be a non-empty string",
        ),
        (
            lambda: LimitedSupport(summary="s", details=""),
            "limited_support: details must be a non-empty string",
        ),
        (lambda: IncidentNote(content="   "), "incident_note: content must be a non-empty string"),
        (lambda: IncidentTitle(prefix=""), "incident_title: prefix must be a non-empty string"),
        (
            lambda: ClusterReport(cluster_id="", summary="s", data="d"),
            "cluster_report: cluster_id must be a non-empty string",
        ),
        (
            lambda: ServiceLog(severity="Info", summary="s", description="d", internal_only="no"),
            "service_log: internal_only must be true or false",
        ),
    ],
)
def test_invalid_actions_name_the_field(build: Any, message: str) -> None:
    with pytest.raises(ActionValidationError) as error:
        build()
    assert str(error.value) == message


@pytest.mark.parametrize(
    "data, message",
    [
        ({"type": "nope"}, "unknown action type 'nope'"),
        ({"summary": "s"}, "unknown action type None"),
        ({"type": "service_log", "summary": "s"}, "required field missing @ $.severity"),
        (
            {"type": "service_log", "severity": "Loud", "summary": "s", "description": "d"},
            "severity 'Loud' is not one of",
        ),
        ("not a mapping", "must be a JSON object"),
    ],
)
def test_bad_json_actions_are_rejected_clearly(data: Any, message: str) -> None:
    with pytest.raises(ActionValidationError, match=message.replace("$", r"\$")):
        from_dict(data)


def test_actions_are_frozen() -> None:
    note = IncidentNote(content="x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        note.content = "y"  # type: ignore[misc]


def test_third_parties_can_add_types() -> None:
    from cad_core import Action

    @register_action_type
    @attrs.frozen
    class ChatMessage(Action):
        type_id = "test_chat_message"
        text: str

    assert from_dict({"type": "test_chat_message", "text": "hi"}) == ChatMessage("hi")


def test_a_second_definition_of_a_type_id_is_a_conflict_not_an_import_error() -> None:
    """Which definition is imported first decides nothing: both are kept, the registry
    reports the conflict (tests/test_core_contract.py runs it through `cad`)."""
    from cad_core import Action
    from cad_core.plan import actions
    from cad_core.plugins.registry import build_registry

    @register_action_type
    @attrs.frozen
    class Impostor(Action):
        type_id = "service_log"

    try:
        assert actions.action_types()["service_log"] is ServiceLog  # the first stays
        assert actions.action_definitions()["service_log"] == (ServiceLog, Impostor)
        [conflict] = build_registry(entry_points=False).conflicts()
        assert "action type 'service_log' is defined by ServiceLog (cad-core" in conflict
        assert "executors: {service_log: <executor name>}" in conflict
    finally:
        actions._DEFINITIONS["service_log"].remove(Impostor)
