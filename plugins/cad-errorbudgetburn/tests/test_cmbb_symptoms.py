"""Matching the monitoring ClusterOperator's Available condition (spec §g)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cad_errorbudgetburn import messages
from cad_errorbudgetburn.symptoms import SYMPTOMS, find_symptom, first_available_condition

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "cad_testdata_monitoring_clusteroperator_conditions.json"
CONDITIONS = json.loads(SAMPLE.read_text())
# OpenShift >= 4.18 (reference README §5; reconstructed from the operator's source, with an
# illustrative parser error appended as the operator does).
CONFIG_4_18 = {
    "type": "Available",
    "status": "False",
    "reason": "UserWorkloadInvalidConfiguration",
    "message": "invalid UWM configuration: the user workload monitoring configuration in "
    '"config.yaml" could not be parsed: error converting YAML to JSON: yaml: line 3: '
    "did not find expected key",
}


def key_of(condition):
    symptom = find_symptom(condition)
    return symptom.key if symptom else None


@pytest.mark.parametrize(
    "sample, key",
    [
        ("available_false_uwm_configmap_unparseable", "uwm-config-invalid"),
        ("available_false_uwm_alertmanager", "uwm-alertmanager-broken"),
        ("available_false_uwm_prometheus", "uwm-prometheus-not-ready"),
        ("available_true", None),
        ("upgradeable_true", None),
    ],
)
def test_cmbb_reference_conditions_are_recognised(sample, key):
    assert key_of(CONDITIONS[sample]) == key


def test_cmbb_the_4_17_message_with_its_appended_parser_error_still_matches():
    condition = dict(CONDITIONS["available_false_uwm_configmap_unparseable"])
    condition["message"] += ': error unmarshaling JSON: unknown field "prometheusk8s"'
    condition["reason"] = "InvalidConfiguration"
    assert key_of(condition) == "uwm-config-invalid"


def test_cmbb_the_4_18_message_and_reason_are_recognised():
    assert key_of(CONFIG_4_18) == "uwm-config-invalid"
    assert key_of({**CONFIG_4_18, "reason": "Whatever"}) == "uwm-config-invalid"
    assert key_of({**CONFIG_4_18, "message": ""}) == "uwm-config-invalid"  # the reason alone


def test_cmbb_matching_is_case_sensitive_and_needs_the_whole_fragment():
    message = CONDITIONS["available_false_uwm_prometheus"]["message"]
    assert key_of({"type": "Available", "message": message.lower()}) is None
    assert key_of({"type": "Available", "message": "UpdatingUserWorkloadPrometheus failed"}) is None
    # The platform's own config error shares the <= 4.17 reason but not the message.
    assert (
        key_of(
            {
                "type": "Available",
                "reason": "InvalidConfiguration",
                "message": "the Cluster Monitoring ConfigMap could not be parsed",
            }
        )
        is None
    )


def test_cmbb_a_message_naming_several_symptoms_takes_the_first_in_order():
    both = (
        CONDITIONS["available_false_uwm_prometheus"]["message"]
        + ", "
        + CONDITIONS["available_false_uwm_alertmanager"]["message"]
    )
    assert key_of({"type": "Available", "message": both}) == "uwm-alertmanager-broken"


def test_cmbb_only_the_first_available_condition_counts():
    operator = {
        "status": {
            "conditions": [
                {
                    "type": "Degraded",
                    "message": CONDITIONS["available_false_uwm_prometheus"]["message"],
                },
                CONDITIONS["available_true"],
                CONDITIONS["available_false_uwm_alertmanager"],
            ]
        }
    }
    assert first_available_condition(operator) == CONDITIONS["available_true"]
    assert key_of(first_available_condition(operator)) is None


@pytest.mark.parametrize(
    "operator",
    [
        {},
        {"status": {}},
        {"status": {"conditions": None}},
        {"status": {"conditions": ["junk", {"type": "Degraded"}]}},
    ],
)
def test_cmbb_no_available_condition_means_no_symptom(operator):
    assert first_available_condition(operator) is None
    assert find_symptom(None) is None


def test_cmbb_each_symptom_has_its_own_summary_and_customer_text():
    assert len({s.summary for s in SYMPTOMS}) == len(SYMPTOMS)
    link = messages.monitoring_stack_docs("osd")
    for symptom in SYMPTOMS:
        description = symptom.describe(link)
        assert link in description and "openshift-user-workload-monitoring" in description
        assert symptom.summary.startswith("Action required: ")


@pytest.mark.parametrize(
    "product, fragment",
    [
        ("rosa", "red_hat_openshift_service_on_aws"),
        ("ROSA", "red_hat_openshift_service_on_aws"),
        ("osd", "openshift_dedicated"),
        ("ocp", "red_hat_openshift_service_on_aws"),
        (None, "red_hat_openshift_service_on_aws"),
        ("", "red_hat_openshift_service_on_aws"),
    ],
)
def test_cmbb_docs_link_follows_the_product_with_rosa_as_fallback(product, fragment):
    link = messages.monitoring_stack_docs(product)
    assert fragment in link and link.endswith("/monitoring/configuring-user-workload-monitoring")
