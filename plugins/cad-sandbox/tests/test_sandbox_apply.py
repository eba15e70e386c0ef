"""`cad apply` as a person runs it, against the sandbox: only plans CAD signed, for their
own cluster and open incident, before they expire, with every text shown (issue 22)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pty
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from cad_core.plan.actions import LimitedSupport, ServiceLog, SilenceIncident
from cad_core.plan.planword import PlanBinding, sign_plan
from cad_core.run.app import RunRequest, execute

from cad_sandbox.commands import environment, resolve_scenario

STOPPED = "chgm-customer-stopped-instances"
INCIDENT = "Q1CADTEST00001"
CAD = str(Path(sys.executable).with_name("cad"))
SCAM = (
    "URGENT: your cluster will be deleted in 24h. Call +1-555-0100 or send your AWS keys "
    "to keep it."
)
EVIL = [
    LimitedSupport(summary="Cluster scheduled for deletion", details=SCAM),
    ServiceLog(severity="Critical", summary="Cluster deletion", description=SCAM),
]
OTHER_KEY = "k" * 40

pytestmark = pytest.mark.usefixtures("fast_scenario_runs")


def scenario(name: str = STOPPED) -> dict[str, Any]:
    data = yaml.safe_load(Path(resolve_scenario(name)).read_text(encoding="utf-8"))
    data.pop("expect", None)
    return data


def incident(box: Any) -> dict[str, Any]:
    return box.world.to_json()["pagerduty"]["incidents"][INCIDENT]


def cluster(box: Any) -> dict[str, Any]:
    return next(iter(box.world.to_json()["ocm"]["clusters"].values()))


def cluster_id(box: Any) -> str:
    return next(iter(box.world.to_json()["ocm"]["clusters"]))


def writes(box: Any) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in box.requests if r["write"]]


def held_note(box: Any, config: str, **env: str) -> str:
    """Run the scenario in inform mode (``config``); the note CAD posted with the plan."""
    with environment({**box.env(), **env}):
        execute(RunRequest(box.webhook_body(), config=config))
    [note] = [n for n in incident(box)["notes"] if "held back these steps" in n]
    return note


def command_lines(note: str) -> list[str]:
    return [line for line in note.splitlines() if line.startswith("cad apply ")]


def command_in(note: str) -> list[str]:
    [line] = command_lines(note)
    return shlex.split(line)[1:]


def cad(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CAD, *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def apply_env(box: Any, **changes: str) -> dict[str, str]:
    return {**os.environ, **box.env(), **changes}


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with one line on stderr (after whatever logging) naming ``words``."""
    assert done.returncode == 2, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("cad: error:")]
    assert all(word in line for word in words), line
    assert "Traceback" not in done.stderr


def nothing_customer_facing_written(box: Any) -> None:
    assert cluster(box)["limited_support_reasons"] == []
    assert not any("cluster_logs" in w or "limited_support" in w for w in writes(box))
    assert incident(box)["escalation_policy"] != "PSILENT"


def with_word(note: str, word: str) -> str:
    """The note with its plan word replaced: every visible line stays CAD's."""
    real = command_in(note)[-1]
    return note.replace(real, word)


def test_the_note_shows_every_customer_facing_text_in_full(sandbox, inform_config) -> None:
    box = sandbox(scenario())
    note = held_note(box, inform_config)
    done = cad([*command_in(note), "--yes", "-o", "json"], apply_env(box))
    assert done.returncode == 0, done.stderr
    [reason] = cluster(box)["limited_support_reasons"]
    # What the customer now reads was in the note, and on screen before the write, whole.
    for text in (reason["summary"], *reason["details"].splitlines()):
        assert text.strip() in note
        assert text.strip() in done.stderr
    assert "expires " in note and "every text it would write" in note


@pytest.mark.parametrize("forgery", ["unsigned", "cad1-forged-payload", "cad1-other-key"])
def test_failure_1_a_forged_plan_word_in_a_note_like_cads_is_refused(
    sandbox, inform_config, forgery: str
) -> None:
    box = sandbox(scenario())
    note = held_note(box, inform_config)
    real = command_in(note)[-1]
    items = json.dumps([{"type": a.type_id, **_fields(a)} for a in EVIL])
    unsigned = base64.urlsafe_b64encode(items.encode()).decode().rstrip("=")
    binding = PlanBinding(cluster_id(box), INCIDENT, "pagerduty", ("chgm",), 0, 2**40)
    signed_elsewhere = sign_plan(EVIL, binding, OTHER_KEY)
    word = {
        "unsigned": unsigned,
        "cad1-forged-payload": ".".join([*signed_elsewhere.split(".")[:2], real.split(".")[2]]),
        "cad1-other-key": signed_elsewhere,
    }[forgery]
    forged = with_word(note, word)
    assert [line for line in forged.splitlines() if "cad apply" not in line] == [
        line for line in note.splitlines() if "cad apply" not in line
    ]
    before = writes(box)
    done = cad([*command_in(forged), "--yes"], apply_env(box))
    refused(done, "not signed" if forgery == "unsigned" else "signature")
    assert writes(box) == before
    nothing_customer_facing_written(box)


def _fields(action: Any) -> dict[str, Any]:
    from cad_core.plan.actions import to_dict

    return {k: v for k, v in to_dict(action).items() if k != "type"}


def test_failure_2_a_plan_for_a_resolved_incident_is_refused(sandbox, inform_config) -> None:
    box = sandbox(scenario())
    note = held_note(box, inform_config)
    # A responder resolves the incident in PagerDuty before anyone applies the plan.
    env = box.env()
    answer = requests.put(
        f"{env['CAD_PD_URL']}/incidents/{INCIDENT}",
        json={"incident": {"type": "incident", "status": "resolved"}},
        headers={"Authorization": f"Token token={env['CAD_PD_TOKEN']}", "From": "sre@x.io"},
        verify=str(box.trust_path),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    before = writes(box)
    done = cad([*command_in(note), "--yes"], apply_env(box))
    refused(done, INCIDENT, "resolved")
    assert writes(box) == before
    nothing_customer_facing_written(box)


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--cluster-id", "another-cluster-0000", ["made for cluster", "another-cluster-0000"]),
        ("--incident-id", "Q1OTHERINCIDENT", ["made for incident", INCIDENT]),
    ],
)
def test_failure_3_the_plan_is_refused_for_another_cluster_or_incident(
    sandbox, inform_config, flag: str, value: str, words: list[str]
) -> None:
    box = sandbox(scenario())
    args = command_in(held_note(box, inform_config))
    args[args.index(flag) + 1] = value
    before = writes(box)
    refused(cad([*args, "--yes"], apply_env(box)), *words)
    assert writes(box) == before
    nothing_customer_facing_written(box)


def test_an_expired_plan_is_refused(sandbox) -> None:
    box = sandbox(scenario())
    now = int(time.time())
    binding = PlanBinding(cluster_id(box), INCIDENT, "pagerduty", ("chgm",), now - 90, now - 30)
    word = sign_plan(EVIL[:1], binding, box.plan_key)
    args = ["apply", "-c", binding.cluster_id, "--alert-source", "pagerduty"]
    done = cad([*args, "--incident-id", INCIDENT, word, "--yes"], apply_env(box))
    refused(done, "expired")
    nothing_customer_facing_written(box)


def test_a_rotated_key_still_verifies_and_a_dropped_one_does_not(sandbox, inform_config) -> None:
    box = sandbox(scenario())
    args = [*command_in(held_note(box, inform_config)), "--dry-run"]
    rotated = cad(args, apply_env(box, CAD_PLAN_KEY=f"{OTHER_KEY}, {box.plan_key}"))
    assert rotated.returncode == 0, rotated.stderr
    refused(cad(args, apply_env(box, CAD_PLAN_KEY=OTHER_KEY)), "signature")


def test_without_a_key_the_note_says_the_plan_cannot_be_applied(sandbox, inform_config) -> None:
    box = sandbox(scenario())
    note = held_note(box, inform_config, CAD_PLAN_KEY="")
    assert not command_lines(note) and "CAD_PLAN_KEY is not set" in note
    assert "limited support: " in note and "details: " in note


def test_apply_without_a_key_or_a_person_to_ask_writes_nothing(sandbox, inform_config) -> None:
    box = sandbox(scenario())
    args = command_in(held_note(box, inform_config))
    refused(cad(args, apply_env(box, CAD_PLAN_KEY="")), "CAD_PLAN_KEY")
    # No terminal and no --yes: the plan is shown, then nobody can say yes.
    done = cad(args, apply_env(box))
    refused(done, "--yes")
    assert "limited support: " in done.stderr
    nothing_customer_facing_written(box)


def test_failure_11_apply_without_the_executors_settings_exits_2_naming_them() -> None:
    key = "p" * 40
    binding = PlanBinding("cluster-11", "", "", ("chgm",), int(time.time()), 2**40)
    word = sign_plan(EVIL[1:], binding, key)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAD_OCM", "BACKPLANE"))}
    done = cad(["apply", "-c", "cluster-11", word, "--yes"], {**env, "CAD_PLAN_KEY": key})
    refused(done, "CAD_OCM_URL", "CAD_OCM_CLIENT_ID", "CAD_OCM_CLIENT_SECRET")
    assert "succeeded" not in done.stdout + done.stderr


def test_an_incident_plan_without_the_escalation_settings_exits_2(sandbox) -> None:
    box = sandbox(scenario())
    binding = PlanBinding(cluster_id(box), INCIDENT, "pagerduty", ("chgm",), 0, 2**40)
    word = sign_plan(EVIL[:1], binding, box.plan_key)
    args = ["apply", "-c", binding.cluster_id, "--alert-source", "pagerduty"]
    env = {k: v for k, v in apply_env(box).items() if k != "CAD_PD_TOKEN"}
    refused(cad([*args, "--incident-id", INCIDENT, word, "--yes"], env), "CAD_PD_TOKEN")
    assert writes(box) == [] and box.requests == []


def test_without_the_guards_settings_apply_exits_2_naming_them(sandbox) -> None:
    # The silence's executor is PagerDuty's, whose settings are there; the guard that must
    # tell a customer cluster first reads OCM, whose settings are not.
    box = sandbox(scenario())
    binding = PlanBinding(cluster_id(box), INCIDENT, "pagerduty", ("chgm",), 0, 2**40)
    word = sign_plan([SilenceIncident(reason="told")], binding, box.plan_key)
    args = ["apply", "-c", binding.cluster_id, "--alert-source", "pagerduty"]
    env = {k: v for k, v in apply_env(box).items() if not k.startswith("CAD_OCM")}
    done = cad([*args, "--incident-id", INCIDENT, word, "--yes"], env)
    refused(done, "cluster's role", "CAD_OCM_URL", "CAD_OCM_CLIENT_SECRET")
    assert writes(box) == []


def answer_prompt(args: list[str], env: dict[str, str], answer: bytes) -> tuple[int, str]:
    """Run cad in a terminal, answer its question; its exit code and what it showed."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [CAD, *args], env=env, stdin=secondary, stdout=subprocess.DEVNULL, stderr=secondary
    )
    os.close(secondary)
    shown = b""
    deadline = time.monotonic() + 60
    while b"Apply these" not in shown and time.monotonic() < deadline:
        if select.select([primary], [], [], 1)[0]:
            shown += os.read(primary, 65536)
    os.write(primary, answer)
    code = proc.wait(timeout=60)
    with contextlib.suppress(OSError):  # the terminal is gone once cad has exited
        while select.select([primary], [], [], 0.2)[0]:
            shown += os.read(primary, 65536)
    os.close(primary)
    return code, shown.decode(errors="replace")


@pytest.mark.parametrize("answer", [b"n\n", b"y\n"])
def test_in_a_terminal_the_plan_is_shown_and_written_only_after_yes(
    sandbox, inform_config, answer: bytes
) -> None:
    box = sandbox(scenario())
    note = held_note(box, inform_config)
    code, shown = answer_prompt(command_in(note), apply_env(box), answer)
    assert "details: " in shown and "Apply these 2 step(s)?" in shown
    if answer.startswith(b"n"):
        assert code == 130, shown
        nothing_customer_facing_written(box)
    else:
        assert code == 0, shown
        assert len(cluster(box)["limited_support_reasons"]) == 1
