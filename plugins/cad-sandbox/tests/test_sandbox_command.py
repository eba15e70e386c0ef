"""`cad sandbox run` end to end: shared scenarios, idempotency, dry-run, bad scenarios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cad_sandbox.commands import run_scenario
from cad_sandbox.scenario import bundled_examples

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "scenarios"
SHARED_SCENARIOS = sorted(SHARED.glob("*.yaml")) if SHARED.is_dir() else []
STOPPED = "chgm-customer-stopped-instances"


def cad(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cad_core.cli.commands import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


NO_SHARED = "../shared/scenarios is not beside the repository"


@pytest.mark.skipif(not SHARED_SCENARIOS, reason=NO_SHARED)
@pytest.mark.parametrize("path", SHARED_SCENARIOS, ids=lambda p: p.stem)
def test_shared_scenarios_pass_their_checks(path: Path) -> None:
    assert run_scenario(str(path)).check() == []


@pytest.mark.skipif(not SHARED_SCENARIOS, reason=NO_SHARED)
def test_bundled_copies_of_the_shared_scenarios_are_current() -> None:
    bundled = bundled_examples()
    for path in SHARED_SCENARIOS:
        assert bundled[path.stem].read_text() == path.read_text(), path.name


def test_two_runs_leave_exactly_one_limited_support_reason() -> None:
    result = run_scenario(STOPPED, runs=2)
    [cluster] = result.world["ocm"]["clusters"].values()
    assert len(cluster["limited_support_reasons"]) == 1
    [incident] = result.world["pagerduty"]["incidents"].values()
    [note] = incident["notes"]  # the findings carry the silence reason: one note, once
    assert "moving this incident to the silent escalation policy" in note
    second = result.runs[1][1]["actions"]
    assert {a["status"] for a in second} == {"skipped_duplicate"}


def test_dry_run_sends_no_write_request() -> None:
    result = run_scenario(STOPPED, dry_run=True)
    assert [r for r in result.requests if r["write"]] == []
    assert {a["status"] for a in result.runs[0][1]["actions"]} == {"dry_run"}
    assert result.requests  # it did read the world to plan


def test_check_and_json_output_through_the_cli() -> None:
    result = cad("sandbox", "run", STOPPED, "--check", "--output", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["outcome"] == "succeeded" and record["mode"] == "incident"
    assert set(record["sandbox"]) == {"world", "requests"}
    assert f"check: {STOPPED}: passed" in result.stderr


def test_check_reports_mismatches(tmp_path: Path) -> None:
    source = bundled_examples()[STOPPED].read_text()
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(source.replace("type: silence_incident", "type: escalate_incident"))
    result = cad("sandbox", "run", str(wrong), "--check")
    assert result.returncode == 1
    assert "check: missing action: escalate_incident succeeded (x1)" in result.stderr
    assert "check: unexpected action: silence_incident succeeded (x1)" in result.stderr


def test_unknown_scenario_key_is_one_line_naming_key_and_line(tmp_path: Path) -> None:
    source = bundled_examples()[STOPPED].read_text()
    typo = tmp_path / "typo.yaml"
    typo.write_text(source.replace("egress:\n", "egres:\n"))
    result = cad("sandbox", "run", str(typo))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"{typo}, line " in line and "unknown key 'egres'" in line
    assert "Traceback" not in result.stderr


def test_text_output_shows_the_incident_and_the_world() -> None:
    result = cad("sandbox", "run", STOPPED)
    assert result.returncode == 0, result.stderr
    for expected in (
        "CAD incident run: succeeded",
        "limited support:",
        "[done]",
        "the simulated world afterwards:",
        "[CAD Investigated] cluster-a",
        "    silenced (moved to the silent escalation policy)",
        "; 4 writes:\n  ",
        "  pagerduty PUT /incidents -> 200",
    ):
        assert expected in result.stdout


def test_text_output_says_an_escalation_in_words() -> None:
    result = cad("sandbox", "run", "chgm-hibernation-recently-resumed")
    assert "    escalated to level 2\n" in result.stdout, result.stderr


def test_serve_prints_an_environment_that_cad_run_can_use() -> None:
    import os
    import shlex
    import signal

    serve = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cad_core.cli.commands import main; main()",
            "sandbox",
            "serve",
            STOPPED,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env, payload = dict(os.environ), ""
        assert serve.stdout is not None
        for line in serve.stdout:
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                env[key] = shlex.split(value)[0]
            elif line.startswith("# then: cad run --payload-path "):
                payload = line.strip().rsplit(" ", 1)[-1]
                break
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from cad_core.cli.commands import main; main()",
                "run",
                "--payload-path",
                payload,
                "--output",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["outcome"] == "succeeded"
        serve.send_signal(signal.SIGINT)
        _, world = serve.communicate(timeout=30)
    finally:
        serve.kill()
    final = json.loads(world[world.index("{") :])
    [cluster] = final["ocm"]["clusters"].values()
    assert len(cluster["limited_support_reasons"]) == 1


def test_reads_ahead_never_fetch_an_access_protected_clusters_credentials(tmp_path: Path) -> None:
    # chgm reads the AWS session ahead, before precheck has looked at access protection.
    import yaml

    data = yaml.safe_load(bundled_examples()[STOPPED].read_text())
    data["ocm"]["clusters"][0]["access_protected"] = True
    data.pop("expect", None)
    path = tmp_path / "protected.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run_scenario(str(path))
    paths = [r["path"] for r in result.requests]
    assert any("access_protection" in p for p in paths)
    assert not any(p.startswith("/backplane/cloud/credentials") for p in paths)
    assert result.runs[0][1]["investigations"][0]["stop_reason"]
