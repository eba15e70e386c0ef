"""CloudTrail lookups and the bounded wait for stop events, against a real boto3 client
whose HTTP layer is replaced by botocore's Stubber (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from cad_core.errors import FindingError, InfrastructureError

from cad_chgm.cloudtrail import (
    Clock,
    lookup_stop_events,
    newest_usable_events,
    wait_for_stop_events,
)
from cad_chgm.events import StopEvent
from cad_chgm.instances import Instance
from cad_chgm.stopped import judge

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"
UNAUTHORIZED = (DATA / "cad_cloudtrail_event_terminateinstances_unauthorized_role.json").read_text()
INSTALLER = (DATA / "cad_cloudtrail_event_terminateinstances_installer_role.json").read_text()


class FakeClock:
    def __init__(self) -> None:
        self.elapsed = 0.0
        self.pauses: list[float] = []

    def clock(self) -> Clock:
        return Clock(now=lambda: NOW, monotonic=lambda: self.elapsed, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.elapsed += seconds


def stopped(instance_id: str, minutes_ago: int) -> Instance:
    at = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M:%S")
    return Instance(
        id=instance_id,
        name=f"c-{instance_id}-master",
        state="stopped",
        transition_reason=f"User initiated ({at} GMT)",
    )


def entry(instance_ids, minutes_ago, record=UNAUTHORIZED, name="StopInstances", event_id="e"):
    return {
        "EventId": event_id,
        "EventName": name,
        "Username": "jdoe",
        "EventTime": NOW - timedelta(minutes=minutes_ago),
        "Resources": [
            {"ResourceType": "AWS::EC2::Instance", "ResourceName": i} for i in instance_ids
        ],
        "CloudTrailEvent": record,
    }


def event(instance_ids, minutes_ago, record=UNAUTHORIZED, event_id="e") -> StopEvent:
    from cad_chgm.events import stop_event_from_lookup

    return stop_event_from_lookup(entry(instance_ids, minutes_ago, record, event_id=event_id))


@pytest.fixture
def cloudtrail():
    client = boto3.client(
        "cloudtrail", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def expect_round(client, stop_pages, terminate_pages=([],)):
    """One lookup round: pages of StopInstances entries, then of TerminateInstances ones."""
    for name, pages in (("StopInstances", stop_pages), ("TerminateInstances", terminate_pages)):
        for number, events in enumerate(pages):
            response = {"Events": list(events)}
            if number < len(pages) - 1:
                response["NextToken"] = f"{name}-{number + 1}"
            params = {
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
                "StartTime": NOW - timedelta(hours=2),
            }
            if number:
                params["NextToken"] = f"{name}-{number}"
            client.stubber.add_response("lookup_events", response, params)


def test_chgm_lookups_ask_for_both_event_names_over_2_hours_and_follow_pages(cloudtrail):
    expect_round(
        cloudtrail,
        stop_pages=([entry(["i-1"], 5, event_id="a")], [entry(["i-2"], 4, event_id="b")]),
        terminate_pages=([entry(["i-3"], 3, name="TerminateInstances", event_id="c")],),
    )
    events = lookup_stop_events(cloudtrail, NOW)
    assert [(e.event_id, e.name) for e in events] == [
        ("a", "StopInstances"),
        ("b", "StopInstances"),
        ("c", "TerminateInstances"),
    ]


def test_chgm_a_cloudtrail_error_is_an_infrastructure_error(cloudtrail):
    cloudtrail.stubber.add_client_error(
        "lookup_events",
        "ThrottlingException",
        "Rate exceeded",
        http_status_code=400,
        expected_params=None,
    )
    with pytest.raises(InfrastructureError, match="Rate exceeded") as error:
        lookup_stop_events(cloudtrail, NOW)
    assert "StopInstances" in error.value.context


def test_chgm_newest_event_per_instance_must_not_predate_the_stop():
    instances = [stopped("i-1", 30), stopped("i-2", 30), stopped("i-3", 30)]
    events = [
        event(["i-1"], 90, event_id="old-1"),
        event(["i-1"], 30, event_id="new-1"),  # equal: ok
        event(["i-2"], 31, event_id="stale-2"),  # before the stop: an earlier cycle
        event(["i-9"], 10, event_id="unrelated"),
    ]
    usable = newest_usable_events(instances, events)
    assert {k: v.event_id for k, v in usable.items()} == {"i-1": "new-1"}


def test_chgm_the_wait_ends_as_soon_as_every_instance_is_explained(cloudtrail):
    clock = FakeClock()
    expect_round(cloudtrail, stop_pages=([],))
    expect_round(cloudtrail, stop_pages=([entry(["i-1"], 20)],))
    search = wait_for_stop_events(cloudtrail, [stopped("i-1", 20)], 60, clock.clock())
    assert search.missing == () and search.lookups == 2
    assert clock.pauses == [2.0]


def test_chgm_the_wait_backs_off_and_is_bounded(cloudtrail, caplog):
    clock = FakeClock()
    for _ in range(5):
        expect_round(cloudtrail, stop_pages=([],))
    caplog.set_level("INFO", logger="cad.chgm.cloudtrail")
    search = wait_for_stop_events(cloudtrail, [stopped("i-1", 20)], 20, clock.clock())
    assert search.found == {} and search.missing == ("i-1",)
    assert clock.pauses == [2.0, 4.0, 8.0, 6.0]  # the last pause only uses up the budget
    assert "asking again in 2 s" in caplog.text
    assert "gave up waiting for CloudTrail after 5 lookup(s)" in caplog.text


def test_chgm_a_zero_budget_asks_once(cloudtrail):
    clock = FakeClock()
    expect_round(cloudtrail, stop_pages=([],))
    search = wait_for_stop_events(cloudtrail, [stopped("i-1", 20)], 0, clock.clock())
    assert search.lookups == 1 and clock.pauses == []


# --- judging the events found ----------------------------------------------------------------


def search_of(instances, events):
    from cad_chgm.cloudtrail import EventSearch

    found = newest_usable_events(instances, events)
    return EventSearch(
        found=found, missing=tuple(i.id for i in instances if i.id not in found), lookups=1
    )


def test_chgm_no_usable_event_is_a_finding_not_an_infrastructure_error():
    instances = [stopped("i-1", 20)]
    with pytest.raises(FindingError, match="no StopInstances or TerminateInstances event"):
        judge(instances, search_of(instances, []), ccs=True)


def test_chgm_one_customer_stop_decides_even_if_other_instances_lack_events():
    instances = [stopped("i-1", 20), stopped("i-2", 20)]
    verdict = judge(instances, search_of(instances, [event(["i-2"], 20)]), ccs=True)
    assert verdict.customer_stopped and verdict.culprit.issuer == "testuser"


def test_chgm_an_all_clear_needs_an_event_for_every_instance():
    instances = [stopped("i-1", 20), stopped("i-2", 20)]
    with pytest.raises(FindingError, match="no usable event was found for i-2"):
        judge(instances, search_of(instances, [event(["i-1"], 20, INSTALLER)]), ccs=True)


def test_chgm_authorized_events_for_all_instances_clear_the_customer():
    instances = [stopped("i-1", 20), stopped("i-2", 20)]
    verdict = judge(
        instances, search_of(instances, [event(["i-1", "i-2"], 20, INSTALLER)]), ccs=True
    )
    assert not verdict.customer_stopped and len(verdict.stopped) == 2


def test_chgm_a_malformed_event_before_a_verdict_is_a_finding():
    instances = [stopped("i-1", 20)]
    bad = json.dumps({"eventVersion": "2.0"})
    with pytest.raises(FindingError, match="eventVersion 2.0 is not supported"):
        judge(instances, search_of(instances, [event(["i-1"], 20, bad)]), ccs=True)
