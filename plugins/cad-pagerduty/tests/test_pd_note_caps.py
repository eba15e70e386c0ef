"""Notes fit PagerDuty's note size (cad_pagerduty.executors.NOTE_LIMIT) with a count of
what was left out, through the real engine against the sandbox's PagerDuty simulator;
a re-run never posts the long note twice."""

from __future__ import annotations

from typing import Any

from cad_core.plan.actions import EscalateIncident, IncidentNote, SilenceIncident
from cad_core.plan.engine import execute_plan
from cad_core.plan.engine.execute import EngineSettings
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plugins.registrations import Resource
from cad_core.run.context import Alert, Resources
from cad_core.run.metrics import Dispatcher
from cad_core.testing import make_execution_context
from cad_pagerduty.executors import NOTE_LIMIT

INCIDENT = "Q1CADTEST00001"
FAST = EngineSettings(retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05))
OBJECTS = 10_000


def context(registry: Any) -> Any:
    alert = Alert(source="pagerduty", id=INCIDENT, title="t", cluster_id="2abc")
    ctx = make_execution_context(registry, cluster_id="2abc", alert=alert)
    customer = Resource(name="infra_cluster", factory=lambda resources: False)
    ctx.resources = Resources({"infra_cluster": customer}, cluster_id="2abc", alert=alert)
    return ctx


def run(registry: Any, *actions: Any, ctx: Any = None) -> list[Any]:
    ctx = ctx if ctx is not None else context(registry)
    return execute_plan(list(actions), ctx, registry, Dispatcher({}), FAST)


def notes_of(box: Any) -> list[str]:
    return list(box.world.to_json()["pagerduty"]["incidents"][INCIDENT]["notes"])


def many_findings(ctx: Any) -> None:
    for number in range(OBJECTS):
        ctx.notes.warning(f"machine worker-{number:05d} failed: CreateError")
    ctx.notes.seal()
    ctx.notes.automation("Saved these findings as a cluster report. View it with: osdctl ...")


def test_a_long_note_is_cut_to_whole_lines_and_counts_the_rest(pd_registry, pd_sandbox):
    box = pd_sandbox()
    content = "".join(f"line {number}\n" for number in range(OBJECTS))
    [outcome] = run(pd_registry, IncidentNote(content=content))
    assert outcome.status == "succeeded"
    [posted] = notes_of(box)
    assert len(posted) <= NOTE_LIMIT.chars
    kept = posted.splitlines()[:-1]
    assert kept == content.splitlines()[: len(kept)]  # whole lines, from the top
    left = OBJECTS - len(kept)
    assert posted.splitlines()[-1].startswith(f"… and {left} more lines (")
    assert f"under {NOTE_LIMIT.chars} characters" in posted

    [again] = run(pd_registry, IncidentNote(content=content))
    assert again.status == "skipped_duplicate"
    assert len(notes_of(box)) == 1


def test_run_notes_keep_what_cad_did_and_a_rerun_is_not_posted_again(pd_registry, pd_sandbox):
    box = pd_sandbox()
    ctx = context(pd_registry)
    many_findings(ctx)
    reason = "the machines need a person"
    [note, escalate] = run(pd_registry, IncidentNote(), EscalateIncident(reason=reason), ctx=ctx)
    assert (note.status, escalate.status) == ("succeeded", "succeeded")
    [posted] = notes_of(box)  # the escalation's reason is folded into the run note
    assert len(posted) <= NOTE_LIMIT.chars
    assert "more lines (" in posted
    assert posted.rstrip().endswith(reason)  # the end is kept: what CAD did, the reason
    assert "Saved these findings as a cluster report" in posted

    # A re-run finds the same things; its own automation lines differ, and it skips.
    rerun = context(pd_registry)
    many_findings(rerun)
    rerun.notes.automation("CAD did not apply the report again.")
    [again] = run(pd_registry, IncidentNote(), ctx=rerun)
    assert again.status == "skipped_duplicate"
    assert len(notes_of(box)) == 1


def test_a_long_silence_reason_is_cut_but_the_policy_it_leaves_is_kept(pd_registry, pd_sandbox):
    box = pd_sandbox()
    before = box.world.to_json()["pagerduty"]["incidents"][INCIDENT]["escalation_policy"]
    [outcome] = run(pd_registry, SilenceIncident(reason="word " * OBJECTS))
    assert outcome.status == "succeeded"
    [posted] = notes_of(box)
    assert len(posted) <= NOTE_LIMIT.chars
    assert posted.endswith(f"Escalation policy before CAD silenced it: {before}")
