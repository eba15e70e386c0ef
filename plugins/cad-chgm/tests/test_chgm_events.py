"""CloudTrail event parsing (spec §f.3) and who may stop instances (§f.4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cad_core.errors import FindingError

from cad_chgm.authorization import is_authorized
from cad_chgm.events import (
    Actor,
    actor_of,
    check_event_version,
    issuer_of_record,
    stop_event_from_lookup,
)

DATA = Path(__file__).parent / "data"


def record(name: str) -> str:
    return (DATA / f"{name}.json").read_text()


def with_version(version: object) -> str:
    data = json.loads(record("cad_cloudtrail_event_terminateinstances_installer_role"))
    data["eventVersion"] = version
    return json.dumps(data)


# --- eventVersion ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.08", "1.8", "1.99", "1.08.1", "01.10"])
def test_chgm_supported_event_versions_are_accepted(version):
    assert issuer_of_record(with_version(version)) == "ManagedOpenShift-Installer-Role"


@pytest.mark.parametrize("version", ["1.7", "1.07", "2.0", "0.9", "1.0"])
def test_chgm_event_versions_outside_1_8_to_1_x_are_findings(version):
    with pytest.raises(FindingError, match="not supported"):
        issuer_of_record(with_version(version))


@pytest.mark.parametrize("version", [None, "", "1", "v1.8", "1.x", 1.08, ".8"])
def test_chgm_event_versions_of_the_wrong_shape_are_findings(version):
    with pytest.raises(FindingError, match="not of the form"):
        check_event_version(version)


def test_chgm_an_empty_record_object_fails_on_its_version():
    with pytest.raises(FindingError, match="eventVersion None"):
        issuer_of_record("{}")


@pytest.mark.parametrize(
    "raw, message",
    [
        (None, "no CloudTrail record"),
        ("", "no CloudTrail record"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_chgm_missing_or_broken_records_are_findings(raw, message):
    with pytest.raises(FindingError, match=message):
        issuer_of_record(raw)


def test_chgm_the_issuer_is_the_session_issuer_user_name():
    machine_api = record("cad_cloudtrail_event_terminateinstances_machine_api_role")
    unauthorized = record("cad_cloudtrail_event_terminateinstances_unauthorized_role")
    assert issuer_of_record(machine_api) == (
        "cluster-name-n9o7-openshift-machine-api-aws-cloud-credentials"
    )
    assert issuer_of_record(unauthorized) == "testuser"


def test_chgm_an_iam_user_record_has_no_issuer():
    data = json.loads(record("aws_cloudtrail_record_stopinstances_iamuser_docs"))["Records"][0]
    data["eventVersion"] = "1.08"  # the archived example predates 1.08
    assert issuer_of_record(json.dumps(data)) == ""


def test_chgm_a_missing_session_context_means_no_issuer():
    data = json.loads(with_version("1.09"))
    del data["userIdentity"]["sessionContext"]
    assert issuer_of_record(json.dumps(data)) == ""


# --- LookupEvents envelope --------------------------------------------------------------------


def lookup_entry(**overrides):
    entry = {
        "EventId": "ev-1",
        "EventName": "TerminateInstances",
        "EventTime": datetime(2023, 2, 21, 4, 33, 9, tzinfo=UTC),
        "Username": "1234567",
        "Resources": [{"ResourceType": "AWS::EC2::Instance", "ResourceName": "i-0c123456"}],
        "CloudTrailEvent": record("cad_cloudtrail_event_terminateinstances_installer_role"),
    }
    entry.update(overrides)
    return entry


def test_chgm_a_lookup_entry_becomes_a_stop_event_and_actor():
    event = stop_event_from_lookup(lookup_entry())
    assert event.names_instance("i-0c123456")
    assert not event.names_instance("i-other")
    assert actor_of(event) == Actor(username="1234567", issuer="ManagedOpenShift-Installer-Role")


def test_chgm_the_aws_cli_envelope_sample_parses_but_its_old_version_is_a_finding():
    entry = json.loads(record("aws_cloudtrail_lookup_events_response_cli_example"))["Events"][0]
    entry["EventTime"] = datetime.fromisoformat(entry["EventTime"])
    event = stop_event_from_lookup(entry)
    assert event.resource_names == ()
    with pytest.raises(FindingError, match="ConsoleLogin event 654ccbc0.* for no resources"):
        actor_of(event)


def test_chgm_a_malformed_record_names_the_event_and_its_first_instance():
    event = stop_event_from_lookup(lookup_entry(CloudTrailEvent="{}"))
    with pytest.raises(FindingError, match="TerminateInstances event ev-1 for i-0c123456") as err:
        actor_of(event)
    assert err.value.context == "a CloudTrail event could not be read"


# --- allow-lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    [
        "cluster-x-openshift-machine-api-aws-abc",
        "osdCcsAdmin",
        "osdManagedAdmin",
        "RH-SRE-jdoe",
    ],
)
def test_chgm_listed_user_names_may_stop_instances(username):
    assert is_authorized(Actor(username=username, issuer=""), ccs=True)


@pytest.mark.parametrize(
    "issuer",
    [
        "cluster-name-n9o7-openshift-machine-api-aws-cloud-credentials",
        "ManagedOpenShift-Installer-Role",
        "ManagedOpenShift-Support-Role",
        "ManagedOpenShift-Support-abc",
        "prefix-Installer-Role",
    ],
)
def test_chgm_listed_roles_may_stop_instances(issuer):
    assert is_authorized(Actor(username="someone", issuer=issuer), ccs=True)


@pytest.mark.parametrize(
    "actor",
    [
        Actor(username="jdoe", issuer=""),
        Actor(username="", issuer=""),
        Actor(username="1234", issuer="testuser"),
        Actor(username="rh-sre-jdoe", issuer=""),  # matching is case-sensitive
        Actor(username="x", issuer="managedopenshift-installer-role"),
        Actor(username="OCM", issuer="AdminRole"),
    ],
)
def test_chgm_anyone_else_is_the_customer(actor):
    assert not is_authorized(actor, ccs=True)
    assert not is_authorized(actor, ccs=False)


def test_chgm_organization_access_role_is_red_hats_only_without_ccs():
    actor = Actor(username="1234", issuer="OrganizationAccountAccessRole")
    assert is_authorized(actor, ccs=False)
    assert not is_authorized(actor, ccs=True)


def test_chgm_reference_records_judged_as_upstream_did():
    def judged(name: str) -> bool:
        event = stop_event_from_lookup(lookup_entry(CloudTrailEvent=record(name), Username="x"))
        return is_authorized(actor_of(event), ccs=True)

    assert judged("cad_cloudtrail_event_terminateinstances_installer_role")
    assert judged("cad_cloudtrail_event_terminateinstances_machine_api_role")
    assert not judged("cad_cloudtrail_event_terminateinstances_unauthorized_role")
