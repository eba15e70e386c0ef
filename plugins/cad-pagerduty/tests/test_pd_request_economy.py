"""PagerDuty requests per run: one incident read and one notes read per plan, no re-reads.

The second run proves that the fewer reads still find everything the first run wrote.
"""

from __future__ import annotations

from cad_sandbox.commands import run_scenario

STOPPED = "chgm-customer-stopped-instances"


def pagerduty_requests(requests: list[dict[str, object]]) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in requests if r["service"] == "pagerduty"]


def test_a_chgm_run_makes_five_pagerduty_requests_and_a_rerun_finds_every_write() -> None:
    result = run_scenario(STOPPED, runs=2)
    incident = "/incidents/Q1CADTEST00001"
    first = pagerduty_requests(result.requests)[:5]
    assert first[0] == f"GET {incident}/alerts"
    # Every idempotency check of the plan shares these two, read side by side at its start.
    assert sorted(first[1:3]) == [f"GET {incident}", f"GET {incident}/notes"]
    assert first[3:] == [
        f"POST {incident}/notes",  # the findings, carrying the silence's reason
        "PUT /incidents",  # the silence, carrying the title (the plan's closing action)
    ]
    first_run = result.runs[0][1]["actions"]
    assert {a["type"]: a["status"] for a in first_run}["incident_title"] == "succeeded"
    [incident_state] = result.world["pagerduty"]["incidents"].values()
    assert incident_state["title"].startswith("[CAD Investigated] ")
    second = result.runs[1][1]["actions"]
    assert {a["status"] for a in second} == {"skipped_duplicate"}
    assert [r for r in pagerduty_requests(result.requests)[5:] if not r.startswith("GET")] == []


def test_a_failed_plan_sends_the_title_with_the_escalation_only() -> None:
    result = run_scenario("safe-plans-limited-support-fails")
    writes = [r for r in pagerduty_requests(result.requests) if not r.startswith("GET")]
    assert not any(w.startswith("PUT /incidents/") for w in writes)  # no title of its own
    [incident_state] = result.world["pagerduty"]["incidents"].values()
    assert incident_state["escalation_level"] == 2
    assert incident_state["title"].startswith("[CAD Investigated] ")
    # The silence did not run (its limited support failed), so no note may claim it.
    assert not any("silent escalation policy" in note for note in incident_state["notes"])
