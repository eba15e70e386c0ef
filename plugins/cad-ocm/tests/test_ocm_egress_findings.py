"""cad-ocm's ``egress_findings``: the egress verdict worded once for every investigation
that notes it (the scenarios of cpd, cannotretrieveupdates, insightsoperatordown and chgm
run it end to end)."""

from __future__ import annotations

import pytest

from cad_ocm.egress_findings import findings

CLUSTER = "2abc"


def test_ocm_egress_findings_success_is_one_success_line():
    found = findings({"outcome": "success", "blocked": [], "error": ""}, CLUSTER)
    assert found["level"] == "success" and found["service_log_command"] == ""
    assert found["note"] == "The egress check found no blocked endpoints"


def test_ocm_egress_findings_blocked_names_targets_and_the_service_log_command():
    verdict = {"outcome": "failure", "blocked": ["nosnch.in:443", "quay.io:443"], "error": ""}
    found = findings(verdict, CLUSTER)
    assert found["level"] == "warning" and found["blocked"] == ["nosnch.in:443", "quay.io:443"]
    assert found["note"].startswith(
        "The egress check found endpoints the cluster cannot reach: nosnch.in:443, quay.io:443.\n"
    )
    command = found["service_log_command"]
    assert command.startswith(f"osdctl servicelog post --cluster-id {CLUSTER} -t https://")
    assert command.endswith(
        "required_network_egresses_are_blocked.json -p URLS=nosnch.in:443,quay.io:443"
    )
    assert found["note"].endswith(command)


@pytest.mark.parametrize(
    "verdict, reason",
    [
        ({"outcome": "undefined", "error": "status 2: AccessDenied"}, "status 2: AccessDenied"),
        ({"outcome": "undefined"}, "no reason given"),
        ({"outcome": "maybe"}, "the egress verdict is not understood"),
        ("garbage", "the egress verdict is not understood"),
    ],
)
def test_ocm_egress_findings_anything_else_is_not_verified_never_success(verdict, reason):
    found = findings(verdict, CLUSTER)
    assert found["outcome"] == "undefined" and found["level"] == "warning"
    assert found["note"].startswith(
        "Egress was not verified: the network verifier did not complete.\n"
    )
    assert reason in found["note"] and reason in found["error"]
