"""The signed plan word (cad_core.plan.planword): any change to it is refused, keys rotate,
plans expire, and the command line must name what the plan was made for."""

from __future__ import annotations

import base64
import json
import os
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cad_core.coresettings import check_key, check_ttl
from cad_core.plan.actions import LimitedSupport, ServiceLog, SilenceIncident
from cad_core.plan.planword import (
    PlanBinding,
    PlanRefused,
    check_binding,
    plan_keys,
    sign_plan,
    verify_plan,
)

KEY = "a-key-only-cad-holds-0123456789abcdef"
OLD_KEY = "the-key-before-rotation-0123456789abc"
NOW = 1_800_000_000
BINDING = PlanBinding("cluster-1", "Q1INCIDENT", "pagerduty", ("chgm",), NOW, NOW + 3600)
ACTIONS = [
    LimitedSupport(summary="Instances stopped", details="Please start them again.\nThanks."),
    SilenceIncident(reason="limited support set", requires=("limited_support",)),
]
WORD = sign_plan(ACTIONS, BINDING, KEY)
ALPHABET = string.ascii_letters + string.digits + "-_.=+/"


def test_a_signed_plan_verifies_and_keeps_its_binding_and_actions() -> None:
    plan = verify_plan(WORD, [KEY], now=NOW + 1)
    assert plan.binding == BINDING
    assert list(plan.actions) == ACTIONS
    assert WORD.startswith("cad1.") and all(c in ALPHABET for c in WORD)


@settings(max_examples=int(os.environ.get("CAD_TEST_EXAMPLES", "300")), deadline=None)
@given(
    st.data(),
    st.sampled_from(["replace", "insert", "delete", "truncate", "append"]),
)
def test_any_tampering_with_a_signed_plan_word_is_refused(data: st.DataObject, how: str) -> None:
    at = data.draw(st.integers(0, len(WORD) - 1))
    char = data.draw(st.sampled_from(ALPHABET))
    tampered = {
        "replace": WORD[:at] + char + WORD[at + 1 :],
        "insert": WORD[:at] + char + WORD[at:],
        "delete": WORD[:at] + WORD[at + 1 :],
        "truncate": WORD[:at],
        "append": WORD + char,
    }[how]
    if tampered == WORD:
        return  # replaced a character by itself: not a change
    with pytest.raises(PlanRefused):
        verify_plan(tampered, [KEY], now=NOW + 1)


@given(st.text(min_size=1, max_size=200))
def test_arbitrary_words_are_refused_in_one_line(word: str) -> None:
    with pytest.raises(PlanRefused) as refusal:
        verify_plan(word, [KEY], now=NOW)
    assert "\n" not in str(refusal.value)


def test_an_old_unsigned_plan_word_is_refused_with_its_reason() -> None:
    items = json.dumps([{"type": "service_log", "severity": "Critical", "summary": "x"}])
    old = base64.urlsafe_b64encode(items.encode()).decode().rstrip("=")
    with pytest.raises(PlanRefused, match="not signed"):
        verify_plan(old, [KEY], now=NOW)


def test_the_first_key_signs_and_any_key_verifies() -> None:
    old_word = sign_plan(ACTIONS, BINDING, OLD_KEY)
    assert verify_plan(old_word, [KEY, OLD_KEY], now=NOW).binding == BINDING
    with pytest.raises(PlanRefused, match="signature"):
        verify_plan(old_word, [KEY], now=NOW)
    with pytest.raises(PlanRefused, match="signature"):
        verify_plan(WORD, [], now=NOW)
    assert plan_keys({"CAD_PLAN_KEY": f" {KEY}, ,{OLD_KEY} "}) == [KEY, OLD_KEY]


def test_a_plan_past_its_expiry_is_refused() -> None:
    assert verify_plan(WORD, [KEY], now=BINDING.expires).binding == BINDING
    with pytest.raises(PlanRefused, match="expired at 2027-01-15 09:00:00 UTC"):
        verify_plan(WORD, [KEY], now=BINDING.expires + 1)


@pytest.mark.parametrize(
    ("cluster", "incident", "source", "words"),
    [
        ("cluster-2", "Q1INCIDENT", "pagerduty", "made for cluster 'cluster-1', not 'cluster-2'"),
        ("cluster-1", "Q1OTHER", "pagerduty", "made for incident 'Q1INCIDENT'"),
        ("cluster-1", "Q1INCIDENT", "other", "made for incident 'Q1INCIDENT'"),
        ("cluster-1", "", "", "made for incident 'Q1INCIDENT'"),
    ],
)
def test_the_command_line_must_name_what_the_plan_was_made_for(
    cluster: str, incident: str, source: str, words: str
) -> None:
    check_binding(BINDING, "cluster-1", "Q1INCIDENT", "pagerduty")
    with pytest.raises(PlanRefused, match=words):
        check_binding(BINDING, cluster, incident, source)


def test_a_plan_made_without_an_incident_takes_none() -> None:
    manual = PlanBinding("cluster-1", issued=NOW, expires=NOW + 60)
    check_binding(manual, "cluster-1", "", "")
    with pytest.raises(PlanRefused, match="without an incident"):
        check_binding(manual, "cluster-1", "Q1INCIDENT", "pagerduty")


def test_key_and_expiry_settings_are_checked() -> None:
    check_key(KEY)
    with pytest.raises(ValueError, match="at least 32"):
        check_key("short")
    check_ttl("86400")
    for bad in ("abc", "10", "nan", str(30 * 24 * 3600)):
        with pytest.raises(ValueError):
            check_ttl(bad)


def test_a_prerequisite_that_was_not_held_is_not_required_again() -> None:
    silence = SilenceIncident(reason="x", requires=("limited_support",))
    log = ServiceLog(severity="Info", summary="s", description="d")
    word = sign_plan([log, silence], BINDING, KEY)
    assert verify_plan(word, [KEY], now=NOW).actions[1].requires == ()
