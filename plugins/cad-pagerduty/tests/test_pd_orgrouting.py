"""CAD_ORG_POLICY_MAPPING: upstream's JSON shape, and one clear error for anything else.

Organisation routing is cad-pagerduty's alert plan (``cad_alert_plans``); end to end it is
tested through the sandbox in test_pd_orgrouting_sandbox.py."""

from __future__ import annotations

import json

import pytest

from cad_core.errors import ActionValidationError, BadInputError
from cad_core.plan.actions import ReassignIncident, from_dict, to_dict
from cad_pagerduty.orgrouting import ORG_POLICY_MAPPING, load_mapping

UPSTREAM_EXAMPLE = {
    "organizations": [
        {"name": "Example Corp", "org_ids": ["1a2b", "3c4d"], "escalation_policy": "PEXAMPLE"},
        {"name": "Other", "org_ids": ["5e6f"], "escalation_policy": "POTHER"},
    ]
}


def mapping_of(value: object) -> dict[str, str]:
    text = value if isinstance(value, str) else json.dumps(value)
    return load_mapping({ORG_POLICY_MAPPING: text})


def test_pd_org_mapping_reads_upstreams_format() -> None:
    assert mapping_of(UPSTREAM_EXAMPLE) == {
        "1a2b": "PEXAMPLE",
        "3c4d": "PEXAMPLE",
        "5e6f": "POTHER",
    }


@pytest.mark.parametrize(
    "value", ["", "   ", {"organizations": []}, {}, "{}", {"organizations": None}]
)
def test_pd_org_mapping_unset_or_empty_routes_nothing(value: object) -> None:
    assert mapping_of(value) == {}
    assert load_mapping({}) == {}


@pytest.mark.parametrize(
    "value, detail",
    [
        ("{not json", "not JSON"),
        ([1, 2], "expected"),
        ({"organizations": "x"}, "expected"),
        ({"organizations": [7]}, "organizations[1] is not an object"),
        ({"organizations": [{"org_ids": ["a"]}]}, "has no escalation_policy"),
        ({"organizations": [{"org_ids": "a", "escalation_policy": "P"}]}, "org_ids must be"),
        (
            {
                "organizations": [
                    {"org_ids": ["a"], "escalation_policy": "P1"},
                    {"org_ids": ["a"], "escalation_policy": "P2"},
                ]
            },
            "mapped to two escalation policies",
        ),
    ],
)
def test_pd_org_mapping_errors_are_one_line_naming_the_setting(value: object, detail: str) -> None:
    with pytest.raises(BadInputError, match=ORG_POLICY_MAPPING) as error:
        mapping_of(value)
    assert detail in str(error.value) and "\n" not in str(error.value)


def test_pd_reassign_action_round_trips_and_validates() -> None:
    action = ReassignIncident(escalation_policy="PORG", reason="organisation org-1")
    assert to_dict(action) == {
        "type": "incident_reassign",
        "escalation_policy": "PORG",
        "reason": "organisation org-1",
    }
    assert from_dict(to_dict(action)) == action
    with pytest.raises(ActionValidationError, match="escalation_policy"):
        ReassignIncident(escalation_policy=" ")
