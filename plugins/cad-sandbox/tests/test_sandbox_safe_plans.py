"""Safe plans end to end in the sandbox: inform mode, truthful dry-run, failed runs page."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cad_core.run.app import RunRequest, execute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cad_sandbox.commands import default_config, environment, resolve_scenario, run_scenario
from cad_sandbox.fixtures import bundled_scenarios

STOPPED = "chgm-customer-stopped-instances"
INCIDENT = "Q1CADTEST00001"
CUSTOMER_FACING = ("limited_support_reasons", "cluster_logs")


def scenario(name: str, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(Path(resolve_scenario(name)).read_text(encoding="utf-8"))
    data.pop("expect", None)
    return {**data, **changes}


def run_in(box: Any, config: str | None = None, dry_run: bool = False) -> Any:
    with environment(box.env()):
        request = RunRequest(box.webhook_body(), config=config or default_config(), dry_run=dry_run)
        return execute(request)


def writes(box: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in box.requests if r["write"]]


def incident(box: Any) -> dict[str, Any]:
    return box.world.to_json()["pagerduty"]["incidents"][INCIDENT]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_inform_mode_holds_the_plan_posts_it_and_the_printed_command_applies_it(
    sandbox, inform_config
) -> None:
    box = sandbox(scenario(STOPPED))
    record = run_in(box, inform_config)
    statuses = {(o.type, str(o.status)) for o in record.actions}
    assert statuses >= {
        ("limited_support", "held_for_approval"),
        ("silence_incident", "held_for_approval"),
        ("escalate_incident", "succeeded"),
    }
    assert not any(part in w for w in writes(box) for part in CUSTOMER_FACING)
    assert incident(box)["escalation_policy"] != "PSILENT" and not record.failed
    [plan_note] = [n for n in incident(box)["notes"] if "held back these steps" in n]
    assert "limited support: " in plan_note and "silence the incident" in plan_note
    # The escalation's reason shares the note (one PagerDuty request less); the command
    # keeps a line of its own.
    [command] = [line for line in plan_note.splitlines() if line.startswith("cad apply ")]

    # A person agrees: the command from the note, run as a person would.
    cad = str(Path(sys.executable).with_name("cad"))
    done = subprocess.run(
        [cad, *shlex.split(command)[1:], "--yes", "--output", "json"],
        env={**os.environ, **box.env()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    applied = json.loads(done.stdout)
    assert [(a["type"], a["status"]) for a in applied["actions"]] == [
        ("limited_support", "succeeded"),
        ("silence_incident", "succeeded"),
    ]
    cluster = next(iter(box.world.to_json()["ocm"]["clusters"].values()))
    assert len(cluster["limited_support_reasons"]) == 1
    assert incident(box)["escalation_policy"] == "PSILENT"


@pytest.mark.usefixtures("fast_scenario_runs")
def test_dry_run_says_would_skip_for_what_is_already_applied_and_writes_nothing(
    sandbox,
) -> None:
    box = sandbox(scenario(STOPPED))
    run_in(box)  # the real run puts the cluster in limited support
    before = len(writes(box))
    record = run_in(box, dry_run=True)
    assert len(writes(box)) == before  # zero write requests in the dry run
    reasons = {o.type: o.reason for o in record.actions}
    assert reasons["limited_support"].startswith("would skip: already applied (")
    assert reasons["silence_incident"].startswith("would skip: already applied (")


FAULTABLE = [
    ("ocm", "POST", "/api/clusters_mgmt/v1/clusters/{cluster}/limited_support_reasons"),
    ("pagerduty", "PUT", "/incidents"),
    ("pagerduty", "POST", "/incidents/Q1CADTEST00001/notes"),
    ("backplane", "POST", "/backplane/cluster/{cluster}/reports"),
]


@st.composite
def faults(draw: Any) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(FAULTABLE), unique=True, max_size=3))
    return [
        {
            "service": service,
            "method": method,
            "path": path,
            "status": draw(st.sampled_from([400, 503])),
            "times": draw(st.integers(1, 6)),
        }
        for service, method, path in chosen
    ]


@pytest.mark.campaign
@pytest.mark.usefixtures("fast_scenario_runs")
@settings(
    max_examples=int(os.environ.get("CAD_TEST_EXAMPLES", "12")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(faults())
def test_a_run_that_fails_never_leaves_the_incident_silenced(sandbox, injected) -> None:
    base = scenario(STOPPED)
    cluster = base["ocm"]["clusters"][0]["id"]
    for fault in injected:
        fault["path"] = fault["path"].format(cluster=cluster)
    box = sandbox({**base, "faults": injected})
    record = run_in(box)
    silenced = incident(box)["escalation_policy"] == "PSILENT"
    cluster_after = next(iter(box.world.to_json()["ocm"]["clusters"].values()))
    if record.failed:  # a failed run always reaches a human
        assert not silenced
    if silenced:  # and CAD never silences what it neither fixed nor told
        assert len(cluster_after["limited_support_reasons"]) == 1


@pytest.mark.usefixtures("fast_scenario_runs")
@pytest.mark.parametrize("name", bundled_scenarios("safe-plans-") + bundled_scenarios("faults-"))
def test_bundled_safe_plans_and_faults_examples_meet_their_expectations(name: str) -> None:
    # The plugin suites check their own prefixes; these belong to the sandbox itself.
    assert run_scenario(name).check() == []
