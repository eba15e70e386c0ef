"""PagerDuty requests per run: one incident read and one notes read per plan, no re-reads.

The second run proves that the fewer reads still find everything the first run wrote.
"""

from __future__ import annotations

from cad_sandbox.commands import run_scenario

STOPPED = "chgm-customer-stopped-instances"


def pagerduty_requests(requests: list[dict[str, object]]) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in requests if r["service"] == "pagerduty"]


def test_a_chgm_run_makes_six_pagerduty_requests_and_a_rerun_finds_every_write() -> None:
    result = run_scenario(STOPPED, runs=2)
    incident = "/incidents/Q1CADTEST00001"
    first = pagerduty_requests(result.requests)[:6]
    assert first == [
        f"GET {incident}/alerts",
        f"GET {incident}/notes",  # every idempotency check of the plan shares these two
        f"GET {incident}",
        f"POST {incident}/notes",  # the findings, carrying the silence's reason
        "PUT /incidents",  # the silence; its reply is the incident the title then reads
        f"PUT {incident}",  # the title, riding with the chain's last plan
    ]
    second = result.runs[1][1]["actions"]
    assert {a["status"] for a in second} == {"skipped_duplicate"}
    assert [r for r in pagerduty_requests(result.requests)[6:] if not r.startswith("GET")] == []
