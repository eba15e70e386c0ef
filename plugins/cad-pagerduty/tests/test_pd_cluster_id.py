"""Cluster id extraction from alert details: the three formats and their precedence.

Built on CAD's own alert testdata; the notes and firing variants are derived from it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cad_pagerduty.cluster_id import from_alerts, from_details
from cad_pagerduty.errors import ClusterIdNotFoundError

FIRING = (
    "Labels:\n - alertname = ClusterHasGoneMissing\n - cluster_id = {id}\n"
    " - severity = critical\nAnnotations:\n - summary = gone\n"
)


@pytest.fixture
def alert(reference) -> dict[str, Any]:
    return reference("cad_testdata_pagerduty_alert_list")[0]


def details_of(alert: dict[str, Any], **changes: Any) -> dict[str, Any]:
    details = dict(alert["body"]["details"])
    for key, value in changes.items():
        if value is None:
            details.pop(key, None)
        else:
            details[key] = value
    return details


def test_the_current_format_is_details_cluster_id(alert):
    assert from_alerts([alert], "Q1") == "my-test-cluster-id"


def test_the_old_format_is_yaml_in_notes(alert):
    assert from_details(details_of(alert, cluster_id=None, notes="cluster_id: 654321")) == "654321"


def test_the_alertmanager_format_is_a_label_line_in_firing(alert):
    details = details_of(alert, cluster_id=None, firing=FIRING.format(id="2abc-firing"))
    assert from_details(details) == "2abc-firing"


def test_the_label_may_start_the_text(alert):
    assert from_details(details_of(alert, cluster_id=None, firing="cluster_id = first")) == "first"


def test_cluster_id_wins_over_notes_and_firing(alert):
    details = details_of(
        alert, notes="cluster_id: from-notes", firing=FIRING.format(id="from-firing")
    )
    assert from_details(details) == "my-test-cluster-id"


def test_notes_win_over_firing(alert):
    details = details_of(
        alert,
        cluster_id=None,
        notes="cluster_id: from-notes",
        firing=FIRING.format(id="from-firing"),
    )
    assert from_details(details) == "from-notes"


def test_an_empty_cluster_id_falls_through(alert):
    details = details_of(alert, cluster_id="", notes="cluster_id: from-notes")
    assert from_details(details) == "from-notes"


def test_notes_that_are_not_yaml_fall_through_to_firing(alert):
    details = details_of(
        alert, cluster_id=None, notes="runbook: [unclosed", firing=FIRING.format(id="from-firing")
    )
    assert from_details(details) == "from-firing"


def test_hosted_cluster_id_is_not_the_cluster_id(alert):
    hosted = " - hosted_cluster_id = hcp-123\n - alertname = X\n"
    assert from_details(details_of(alert, cluster_id=None, firing=hosted)) == ""
    both = hosted + " - cluster_id = mgmt-456\n"
    assert from_details(details_of(alert, cluster_id=None, firing=both)) == "mgmt-456"


def test_the_first_alert_with_an_id_wins(alert):
    without = {"id": "A0", "body": {"details": details_of(alert, cluster_id=None)}}
    other = {"id": "A2", "body": {"details": {"cluster_id": "second"}}}
    assert from_alerts([without, alert, other], "Q1") == "my-test-cluster-id"


def test_an_alert_without_details_is_named(alert):
    bare = {"id": "QBARE", "body": {"type": "alert_body"}}
    with pytest.raises(ClusterIdNotFoundError, match="alert QBARE .* has no details"):
        from_alerts([bare, alert], "Q1")


def test_no_alerts_means_no_cluster_id():
    with pytest.raises(
        ClusterIdNotFoundError, match="no cluster id found in the alerts of PagerDuty incident Q1"
    ):
        from_alerts([], "Q1")


def test_a_real_alertmanager_alert_for_another_system_has_no_cluster_id(reference):
    # Its firing text holds "cluster = ...", which is not the cluster_id label.
    alerts = reference("pagerduty_rest_list_incident_alerts_real_alertmanager_cef")["alerts"]
    with pytest.raises(ClusterIdNotFoundError, match="no cluster id found"):
        from_alerts(alerts, "Q0TUTXDJ0P1RRT")


@pytest.mark.parametrize(
    "notes",
    [
        "a: &a [1, 2]\nb: *a\ncluster_id: from-an-alias-file",  # aliases are refused
        "[" * 5000,  # nested too deeply
        "cluster_id: !!int abc",  # a value YAML cannot construct
    ],
)
def test_notes_that_are_odd_yaml_are_just_not_this_format(notes: str) -> None:
    assert from_details({"notes": notes}) == ""
