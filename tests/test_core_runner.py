"""The runner end to end (cad_core.run.app.execute and the CLI) with inline plugins.

A recording executor claims all seven action types and keeps (type, payload, notes text)
of every call, so each test sees exactly what would have been written.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from cad_core import (
    Action,
    ActionExecutor,
    Alert,
    AlertSource,
    ClusterReport,
    EscalateIncident,
    FilterField,
    FindingError,
    IncidentNote,
    IncidentTitle,
    InfrastructureError,
    Investigation,
    InvestigationResult,
    LimitedSupport,
    MetricsSink,
    PermanentError,
    Resource,
    ServiceLog,
    SilenceIncident,
    TransientError,
)
from cad_core.cli.commands import main
from cad_core.logs import RedactingFormatter
from cad_core.plan.actions import to_dict
from cad_core.plan.engine.report import Status
from cad_core.run.app import RunRequest, execute
from cad_core.run.record import RunRecord
from cad_core.run.runner import TITLE_PREFIX
from cad_core.testing import RecordingSink, inline_plugin, secrets_plugin

ALL_TYPES = (
    "service_log",
    "limited_support",
    "incident_note",
    "silence_incident",
    "escalate_incident",
    "incident_title",
    "cluster_report",
)
INVESTIGATION_STATUSES = {"succeeded", "no_findings", "stopped", "failed", "filtered", "not_run"}
CLUSTER = {"id": "2abc", "name": "cluster-a", "state": "ready", "cloud_provider": {"id": "aws"}}
NOISY = ("urllib3", "botocore", "boto3", "httpx", "httpx2", "httpcore", "pagerduty")


# -- the world: inline plugins --------------------------------------------------------


class Recorder:
    """An executor for every action type that records what it was asked to do."""

    def __init__(self, types: Sequence[str] = ALL_TYPES) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.fail: dict[str, BaseException] = {}
        self.applied: set[str] = set()
        self._lock = threading.Lock()

        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="recorder",
                action_types=tuple(types),
                execute=self.execute,
                already_applied=self.already_applied,
            )

        self.plugin = inline_plugin("recorder", cad_action_executors=executors)

    def execute(self, action: Action, ctx: Any) -> None:
        with self._lock:
            self.calls.append((action.type_id, to_dict(action), ctx.notes.text()))
        error = self.fail.get(action.type_id)
        if error is not None:
            raise error

    def already_applied(self, action: Action, ctx: Any) -> str | None:
        return "already there" if action.type_id in self.applied else None

    @property
    def types(self) -> list[str]:
        return [call[0] for call in self.calls]

    def payloads(self, type_id: str) -> list[dict[str, Any]]:
        return [call[1] for call in self.calls if call[0] == type_id]


def _parse(payload: bytes) -> Alert | None:
    data = json.loads(payload)
    if not isinstance(data, dict) or "title" not in data:
        return None
    return Alert(
        source="test",
        id=data.get("id", "Q1"),
        title=data["title"],
        cluster_id=data.get("cluster_id", "2abc"),
        service_name=data.get("service", "prod-deadmanssnitch"),
        resolved=bool(data.get("resolved")),
    )


def _sources() -> Iterator[AlertSource]:
    yield AlertSource(name="test-webhook", parse=_parse)


SOURCE = inline_plugin("test-source", cad_alert_sources=_sources)
# The secrets are a third party's: declared by a plugin, unknown to the core.
SECRETS_PLUGIN = secrets_plugin(
    "CAD_PD_TOKEN", "CAD_OCM_CLIENT_SECRET", "PD_SIGNATURE", multiple=("PD_SIGNATURE",)
)


_unique = itertools.count()


def resources(**factories: Callable[[Any], object]) -> object:
    """An inline resource plugin (a unique name: the registry keeps one plugin per name)."""

    def hook() -> Iterator[Resource]:
        for name, factory in factories.items():
            yield Resource(name=name, factory=factory)

    return inline_plugin(f"test-resources-{next(_unique)}", cad_resources=hook)


def investigations(**runs: Callable[[Any], InvestigationResult]) -> object:
    def hook() -> Iterator[Investigation]:
        for name, run in runs.items():
            yield Investigation(name=name, run=run, aliases=(f"{name}-alias",))

    return inline_plugin(f"test-investigations-{next(_unique)}", cad_investigations=hook)


def customer_cluster(infra: bool = False) -> object:
    return resources(cluster=lambda r: dict(CLUSTER), infra_cluster=lambda r: infra)


def _cluster_fields() -> Iterator[FilterField]:
    """What a cluster plugin registers: the core's filter engine knows fields only so."""
    yield FilterField("ClusterState", lambda r: r.get("cluster")["state"])
    yield FilterField("CloudProvider", lambda r: r.get("cluster")["cloud_provider"]["id"])
    yield FilterField("HCP", lambda r: bool(r.get("cluster").get("hypershift")))
    yield FilterField("OrganizationID", lambda r: r.get("organization_id"))


CLUSTER_FIELDS = inline_plugin("test-cluster-fields", cad_filter_fields=_cluster_fields)


def returns(*actions: Action, stop: str | None = None) -> Callable[[Any], InvestigationResult]:
    def run(ctx: Any) -> InvestigationResult:
        ctx.notes.warning(f"{ctx.name} looked")
        return InvestigationResult(actions, stop_chain=stop)

    return run


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAD_RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.01")
    for name in (
        "CAD_EXPERIMENTAL_ENABLED",
        "CAD_INVESTIGATION_CONFIG_PATH",
        "CAD_PROMETHEUS_PUSHGATEWAY",
        "CAD_DISABLE_PLUGINS",
        "CAD_INVESTIGATION_ATTEMPTS",
        "CAD_PD_TOKEN",
        "CAD_OCM_CLIENT_SECRET",
        "PD_SIGNATURE",
        "LOG_LEVEL",
        "PIPELINE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    # `cad run` installs its own stderr handler on the root logger; undo that afterwards.
    root = logging.getLogger()
    level, noisy = root.level, {n: logging.getLogger(n).level for n in NOISY}
    yield
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, RedactingFormatter):
            root.removeHandler(handler)
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def world(cad_registry, recorder: Recorder) -> Callable[..., Any]:
    """Install a registry: the recorder, the alert source, and the given plugins."""

    def make(*plugins: object, infra: bool = False) -> Any:
        return cad_registry(
            recorder.plugin,
            SOURCE,
            CLUSTER_FIELDS,
            SECRETS_PLUGIN,
            customer_cluster(infra),
            *plugins,
        )

    return make


def write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def incident(
    tmp_path: Path, config: str, title: str = "cluster-a has gone missing", **kw: Any
) -> RunRecord:
    payload = json.dumps({"title": title, "id": "Q42"}).encode()
    return execute(RunRequest(payload=payload, config=write_config(tmp_path, config), **kw))


def manual(investigation: str, **kw: Any) -> RunRecord:
    return execute(RunRequest(cluster_id="2abc", investigation=investigation, **kw))


def chain_config(*names: str, title: str = "has gone missing", extra: str = "") -> str:
    return (
        f"alerts:\n  - alert_title: {title}\n    name: chgm-chain\n{extra}"
        f"    investigations: [{', '.join(names)}]\n"
    )


def statuses(record: RunRecord) -> list[tuple[str, str]]:
    return [(o.type, o.status) for o in record.actions]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


# -- retries --------------------------------------------------------------------------


def test_infrastructure_error_is_retried_then_succeeds(tmp_path: Path, world) -> None:
    attempts: list[int] = []

    def flaky(ctx: Any) -> InvestigationResult:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise InfrastructureError("backplane timed out", context="kube api")
        return InvestigationResult([ClusterReport(cluster_id="2abc", summary="s", data="d")])

    world(investigations(flaky=flaky))
    record = incident(tmp_path, chain_config("flaky"))
    (inv,) = record.investigations
    assert (inv.name, inv.status, inv.attempts) == ("flaky", "succeeded", 3)
    assert attempts == [1, 2, 3]
    assert statuses(record) == [("cluster_report", "succeeded"), ("incident_title", "succeeded")]
    assert record.outcome == "succeeded"


def test_notes_of_a_failed_attempt_are_not_repeated(tmp_path: Path, world, recorder) -> None:
    attempts: list[int] = []

    def flaky(ctx: Any) -> InvestigationResult:
        attempts.append(1)
        ctx.notes.warning("cluster has 3 stopped nodes")
        if len(attempts) < 2:
            raise InfrastructureError("CloudTrail throttled")
        return InvestigationResult([IncidentNote()])

    world(investigations(flaky=flaky))
    record = incident(tmp_path, chain_config("flaky"))
    assert record.investigations[0].notes == ["⚠️ cluster has 3 stopped nodes"]
    (content,) = [text for type_id, _p, text in recorder.calls if type_id == "incident_note"]
    assert content.count("cluster has 3 stopped nodes") == 1


def test_retries_stop_at_the_attempt_budget(
    tmp_path: Path, world, recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAD_INVESTIGATION_ATTEMPTS", "3")

    def down(ctx: Any) -> InvestigationResult:
        raise InfrastructureError("OCM answers 503")

    world(investigations(down=down))
    record = incident(tmp_path, chain_config("down"))
    (inv,) = record.investigations
    assert (inv.status, inv.attempts) == ("failed", 3)
    assert inv.error == (
        "investigation down failed after 3 attempt(s): infrastructure error: OCM answers 503"
    )
    assert recorder.types == ["incident_note", "escalate_incident", "incident_title"]


def test_investigation_retries_stop_before_the_run_deadline_and_escalation_keeps_its_budget(
    tmp_path: Path, world, recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With OCM down, retries used to overshoot the deadline and starve the escalation."""
    monkeypatch.setenv("CAD_RUN_DEADLINE_SECONDS", "1")
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.4")
    monkeypatch.setenv("CAD_INVESTIGATION_ATTEMPTS", "10")
    attempts: list[float] = []

    def down(ctx: Any) -> InvestigationResult:
        attempts.append(1)
        raise InfrastructureError("OCM answers 503")

    world(investigations(down=down))
    record = incident(tmp_path, chain_config("down"))
    (inv,) = record.investigations
    # 0.4 s, then 0.8 s would pass the 1 s deadline: it gives up instead of sleeping.
    assert (inv.status, inv.attempts) == ("failed", 2)
    assert "the run's deadline is near" in (inv.error or "")
    assert recorder.types == ["incident_note", "escalate_incident", "incident_title"]


def test_the_title_keeps_no_prefix_when_the_escalation_failed(tmp_path: Path, world, recorder):
    recorder.fail["escalate_incident"] = PermanentError("PagerDuty said no")

    def broken(ctx: Any) -> InvestigationResult:
        raise FindingError("the cluster is unreachable")

    world(investigations(broken=broken))
    record = incident(tmp_path, chain_config("broken"))
    assert ("escalate_incident", "failed") in statuses(record)
    assert "incident_title" not in recorder.types
    assert record.failed


def test_finding_error_is_not_retried(tmp_path: Path, world, recorder) -> None:
    calls: list[int] = []

    def finds(ctx: Any) -> InvestigationResult:
        calls.append(1)
        ctx.notes.warning("egress to quay.io is blocked")
        raise FindingError("the cluster's egress is blocked", context="network")

    world(investigations(finds=finds))
    record = incident(tmp_path, chain_config("finds"))
    assert calls == [1]
    (inv,) = record.investigations
    assert (inv.status, inv.attempts) == ("failed", 1)
    assert inv.notes == ["⚠️ egress to quay.io is blocked"]
    assert "finding (network): the cluster's egress is blocked" in (inv.error or "")
    assert recorder.types == ["incident_note", "escalate_incident", "incident_title"]
    note = recorder.payloads("incident_note")[0]["content"]
    assert "⚠️ egress to quay.io is blocked" in note
    assert "finding (network): the cluster's egress is blocked" in note
    assert record.outcome == "failed"


def test_resource_with_a_transient_cause_is_retried_and_rebuilt(tmp_path: Path, world) -> None:
    builds: list[int] = []

    def kube(_resources: Any) -> object:
        builds.append(1)
        if len(builds) == 1:
            raise TransientError("backplane answered 503")
        return {"kind": "client"}

    def uses_kube(ctx: Any) -> InvestigationResult:
        assert ctx.resource("kube") == {"kind": "client"}
        return InvestigationResult()

    world(investigations(uses=uses_kube), resources(kube=kube))
    record = incident(tmp_path, chain_config("uses"))
    (inv,) = record.investigations
    assert (inv.status, inv.attempts) == ("no_findings", 2)
    assert len(builds) == 2


def test_resource_with_a_permanent_cause_is_not_retried(tmp_path: Path, world, recorder) -> None:
    builds: list[int] = []

    def kube(_resources: Any) -> object:
        builds.append(1)
        raise PermanentError("403: CAD may not reach this cluster")

    def uses_kube(ctx: Any) -> InvestigationResult:
        ctx.resource("kube")
        return InvestigationResult()

    world(investigations(uses=uses_kube), resources(kube=kube))
    record = incident(tmp_path, chain_config("uses"))
    assert (record.investigations[0].status, record.investigations[0].attempts) == ("failed", 1)
    assert len(builds) == 1
    assert "resource 'kube' could not be built: 403" in record.errors[0]


# -- failure handling -----------------------------------------------------------------


def test_failed_action_escalates_with_the_notes_so_far_and_the_failure_line(
    tmp_path: Path, world, recorder
) -> None:
    def first(ctx: Any) -> InvestigationResult:
        ctx.notes.success("cloud credentials are in place")
        return InvestigationResult([ClusterReport(cluster_id="2abc", summary="s", data="d")])

    def second(ctx: Any) -> InvestigationResult:
        ctx.notes.warning("instances were stopped by the customer")
        return InvestigationResult([ServiceLog(severity="Major", summary="x", description="y")])

    recorder.fail["service_log"] = PermanentError("OCM rejected the service log (400)")
    world(investigations(first=first, second=second, third=returns()))
    record = incident(tmp_path, chain_config("first", "second", "third"))

    assert [(i.name, i.status) for i in record.investigations] == [
        ("first", "succeeded"),
        ("second", "failed"),
    ]
    assert recorder.types == [
        "cluster_report",
        "service_log",
        "incident_note",
        "escalate_incident",
        "incident_title",
    ]
    note = recorder.payloads("incident_note")[0]["content"]
    failure = (
        "🚨 CAD could not finish its automated investigation (1 action(s) of second failed: "
        "service_log: OCM rejected the service log (400)). Please take over from here; the "
        "CAD maintainers can see this failure too. 🚨"
    )
    assert note == (
        "🤖 Automated pre-investigation by CAD: first 🤖\n"
        "===========================\n"
        "✅ cloud credentials are in place\n\n"
        "🤖 Automated pre-investigation by CAD: second 🤖\n"
        "===========================\n"
        "⚠️ instances were stopped by the customer\n\n" + failure
    )
    assert recorder.payloads("escalate_incident")[0]["reason"]
    assert record.errors == [
        "1 action(s) of second failed: service_log: OCM rejected the service log (400)"
    ]
    assert record.outcome == "failed"


def test_failure_before_any_findings_says_so(tmp_path: Path, world, recorder) -> None:
    def silent(ctx: Any) -> InvestigationResult:
        return InvestigationResult([LimitedSupport(summary="s", details="d")])

    recorder.fail["limited_support"] = PermanentError("OCM said no")
    world(investigations(silent=silent))
    incident(tmp_path, chain_config("silent"))
    note = recorder.payloads("incident_note")[0]["content"]
    assert note.startswith("🚨 CAD could not complete its automated investigation before it ")
    assert "(1 action(s) of silent failed: limited_support: OCM said no)" in note
    assert recorder.types[-2:] == ["escalate_incident", "incident_title"]


def test_failed_investigation_escalates_with_the_notes_so_far(
    tmp_path: Path, world, recorder
) -> None:
    def breaks(ctx: Any) -> InvestigationResult:
        ctx.notes.warning("found 2 stopped masters")
        raise ValueError("unexpected CloudTrail shape")

    world(investigations(ok=returns(), breaks=breaks))
    record = incident(tmp_path, chain_config("ok", "breaks"))
    note = recorder.payloads("incident_note")[0]["content"]
    assert "⚠️ ok looked" in note and "⚠️ found 2 stopped masters" in note
    assert note.endswith(
        "🚨 CAD could not finish its automated investigation (investigation breaks failed "
        "after 1 attempt(s): unexpected CloudTrail shape). Please take over from here; the "
        "CAD maintainers can see this failure too. 🚨"
    )
    assert recorder.types == ["incident_note", "escalate_incident", "incident_title"]
    assert record.outcome == "failed"


@pytest.mark.parametrize("title", ["cluster-a has gone missing", "no entry for this"])
def test_an_already_resolved_incident_gets_nothing_written(
    tmp_path: Path, world, recorder, title: str
) -> None:  # issue 14.13: no limited support, no note, no escalation, exit 0
    ran: list[str] = []

    def limit(ctx: Any) -> InvestigationResult:
        ran.append("limit")
        return InvestigationResult([IncidentNote(content="x")])

    world(investigations(limit=limit))
    payload = json.dumps({"title": title, "id": "Q42", "resolved": True}).encode()
    config = write_config(tmp_path, chain_config("limit"))
    record = execute(RunRequest(payload=payload, config=config))
    assert (ran, recorder.calls, record.failed) == ([], [], False)
    assert record.route == [
        "the incident was already resolved when CAD started, so CAD did nothing"
    ]
    assert record.to_record()["alert"]["resolved"] is True


def test_no_chain_matched_escalates_with_a_note(tmp_path: Path, world, recorder) -> None:
    world(investigations(chgm=returns()))
    record = incident(tmp_path, chain_config("chgm"), title="KubeAPIDown on cluster-b")
    assert recorder.types == ["incident_note", "escalate_incident"]
    assert recorder.payloads("incident_note")[0]["content"] == (
        "🤖 CAD has no automated investigation for alerts like 'KubeAPIDown on cluster-b' "
        "yet, so it is handing this incident straight to SRE. 🤖"
    )
    assert recorder.payloads("escalate_incident")[0]["reason"] == (
        "CAD has no automation for this alert"
    )
    assert (record.chain, record.investigations, record.outcome) == (None, [], "succeeded")
    assert record.route == ["'has gone missing': title does not contain alert_title"]


def test_alert_level_filter_rejection_escalates_naming_the_filter(
    tmp_path: Path, world, recorder
) -> None:
    ran: list[str] = []

    def chgm(ctx: Any) -> InvestigationResult:
        ran.append(ctx.name)
        return InvestigationResult()

    world(investigations(chgm=chgm))
    when = "    when: {field: ClusterState, operator: in, values: [uninstalling]}\n"
    record = incident(tmp_path, chain_config("chgm", extra=when))
    assert ran == []
    assert recorder.types == ["incident_note", "escalate_incident"]
    note = recorder.payloads("incident_note")[0]["content"]
    assert note == (
        "🤖 CAD matched this alert to 'chgm-chain', but that entry's filter left it out "
        "(ClusterState='ready' in ['uninstalling']: rejected), so no automated investigation "
        "ran. Please take a look by hand."
    )
    assert "chgm-chain" in recorder.payloads("escalate_incident")[0]["reason"]
    assert record.route[-1] == (
        "alert-level filter rejected the alert: ClusterState='ready' in ['uninstalling']: rejected"
    )
    assert record.outcome == "succeeded"


def test_alert_level_filter_error_escalates_with_a_note(tmp_path: Path, world, recorder) -> None:
    def organization(_resources: Any) -> object:
        raise PermanentError("accounts_mgmt answered 403")

    world(investigations(chgm=returns()), resources(organization_id=organization))
    when = "    when: {field: OrganizationID, operator: notin, values: [org-9]}\n"
    record = incident(tmp_path, chain_config("chgm", extra=when))
    assert recorder.types[:2] == ["incident_note", "escalate_incident"]
    assert record.investigations == []
    note = recorder.payloads("incident_note")[0]["content"]
    assert "evaluating a 'when' filter failed" in note and "accounts_mgmt answered 403" in note
    assert record.outcome == "failed"


def test_entry_level_filter_skips_only_that_investigation(tmp_path: Path, world, recorder) -> None:
    world(investigations(precheck=returns(), aws_only=returns(), last=returns()))
    config = (
        "alerts:\n  - alert_title: gone missing\n    investigations:\n      - precheck\n"
        "      - name: aws_only\n        when: {field: CloudProvider, operator: in, "
        "values: [gcp]}\n      - last\n"
    )
    record = incident(tmp_path, config)
    assert [(i.name, i.status) for i in record.investigations] == [
        ("precheck", "no_findings"),
        ("aws_only", "filtered"),
        ("last", "no_findings"),
    ]
    assert record.investigations[1].filter == "CloudProvider='aws' in ['gcp']: rejected"
    assert recorder.types == ["incident_title"]


# -- chain semantics ------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["two investigations", "stopped early", "failed action"])
def test_title_prefix_is_applied_exactly_once_per_chain(
    tmp_path: Path, world, recorder, shape: str
) -> None:
    note = IncidentNote()
    world(
        investigations(
            one=returns(ClusterReport(cluster_id="2abc", summary="s", data="d"), note),
            two=returns(note),
            stops=returns(SilenceIncident(reason="uninstalling"), stop="uninstall in progress"),
            fails=returns(LimitedSupport(summary="s", details="d")),
        )
    )
    recorder.fail["limited_support"] = PermanentError("nope")
    chains = {
        "two investigations": ("one", "two"),
        "stopped early": ("one", "stops", "two"),
        "failed action": ("one", "fails", "two"),
    }
    incident(tmp_path, chain_config(*chains[shape]))
    assert recorder.types.count("incident_title") == 1
    assert recorder.types[-1] == "incident_title"
    assert recorder.payloads("incident_title") == [
        {"type": "incident_title", "prefix": "[CAD Investigated]"}
    ]
    assert TITLE_PREFIX == "[CAD Investigated]"


def test_stop_chain_stops_later_investigations(tmp_path: Path, world, recorder) -> None:
    ran: list[str] = []

    def later(ctx: Any) -> InvestigationResult:
        ran.append(ctx.name)
        return InvestigationResult()

    stop = "the cluster is uninstalling"
    world(
        investigations(
            precheck=returns(IncidentNote(), SilenceIncident(reason="uninstalling"), stop=stop),
            later=later,
        )
    )
    record = incident(tmp_path, chain_config("precheck", "later"))
    assert ran == []
    (inv,) = record.investigations
    assert (inv.name, inv.status, inv.stop_reason) == ("precheck", "stopped", stop)
    assert recorder.types == ["incident_note", "silence_incident", "incident_title"]
    assert record.outcome == "succeeded"


def test_plan_with_an_unclaimed_type_runs_nothing(tmp_path: Path, cad_registry) -> None:
    partial = Recorder(types=[t for t in ALL_TYPES if t != "cluster_report"])
    cad_registry(
        partial.plugin,
        SOURCE,
        customer_cluster(),
        investigations(
            reports=returns(
                ServiceLog(severity="Info", summary="s", description="d"),
                ClusterReport(cluster_id="2abc", summary="s", data="d"),
            )
        ),
    )
    record = incident(tmp_path, chain_config("reports"))
    assert statuses(record)[:2] == [("service_log", "not_run"), ("cluster_report", "not_run")]
    assert "no installed executor claims action type 'cluster_report'" in (
        record.actions[1].error or ""
    )
    assert "service_log" not in partial.types
    assert partial.types == ["incident_note", "escalate_incident", "incident_title"]
    assert record.outcome == "failed"


def test_already_applied_actions_are_skipped(tmp_path: Path, world, recorder) -> None:
    recorder.applied = {"incident_title"}
    world(investigations(chgm=returns(IncidentNote())))
    record = incident(tmp_path, chain_config("chgm"))
    assert statuses(record) == [
        ("incident_note", "succeeded"),
        ("incident_title", "skipped_duplicate"),
    ]
    assert recorder.types == ["incident_note"]


# -- manual mode ----------------------------------------------------------------------


HEADS_CONFIG = "chain_heads: [precheck, ccam]\nalerts: []\n"


@pytest.mark.parametrize(
    ("config", "flags", "target", "chain"),
    [
        (HEADS_CONFIG, (), "chgm", ["precheck", "ccam", "chgm"]),
        (HEADS_CONFIG, (), "chgm-alias", ["precheck", "ccam", "chgm"]),
        ("chain_heads: [ccam]\n", (), "chgm", ["ccam", "chgm"]),
        (HEADS_CONFIG, (), "ccam", ["precheck", "ccam"]),
        (HEADS_CONFIG, (), "precheck", ["precheck"]),
        (HEADS_CONFIG, ("--no-prechecks",), "chgm", ["chgm"]),
        (None, (), "chgm", ["chgm"]),
    ],
)
def test_manual_chain_runs_the_configured_chain_heads_first(
    world,
    capsys,
    tmp_path: Path,
    config: str | None,
    flags: tuple[str, ...],
    target: str,
    chain: list[str],
) -> None:
    world(investigations(**{name: returns() for name in ("precheck", "ccam", "chgm")}))
    args = ["run", "-c", "2abc", "-i", target, "--output", "json", *flags]
    if config is not None:
        args += ["--config", write_config(tmp_path, config)]
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    record = json.loads(out)
    assert record["mode"] == "manual" and record["alert"] is None
    assert [i["name"] for i in record["investigations"]] == chain


def test_manual_run_without_a_config_runs_the_installed_chain_heads_first(world, capsys) -> None:
    """As upstream, which always runs precheck and ccam before the target (issue 25)."""

    def hook() -> Iterator[Investigation]:
        for name in ("precheck", "ccam"):
            yield Investigation(name=name, run=returns(), chain_head=True)
        yield Investigation(name="chgm", run=returns())

    world(inline_plugin("test-heads-without-config", cad_investigations=hook))
    code, out, err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--output", "json")
    assert code == 0, err
    assert [i["name"] for i in json.loads(out)["investigations"]] == ["precheck", "ccam", "chgm"]
    code, out, err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--no-prechecks", "-o", "json")
    assert code == 0, err
    assert [i["name"] for i in json.loads(out)["investigations"]] == ["chgm"]


def test_a_chain_head_that_is_not_installed_is_a_config_error(world, capsys, tmp_path) -> None:
    world(investigations(chgm=returns()))
    config = write_config(tmp_path, HEADS_CONFIG)
    code, _out, err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--config", config)
    assert code == 2
    assert "chain_heads[0]: unknown investigation 'precheck'" in err
    assert len(err.strip().splitlines()) == 1


def test_manual_mode_drops_incident_actions(world, recorder, capsys) -> None:
    world(
        investigations(
            chgm=returns(
                LimitedSupport(summary="Cluster is in LS", details="stopped instances"),
                IncidentNote(),
                SilenceIncident(reason="customer did it"),
                EscalateIncident(reason="x"),
                IncidentTitle(prefix="[x]"),
            )
        )
    )
    code, out, _err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--output", "json")
    assert code == 0
    actions = {a["type"]: a for a in json.loads(out)["actions"]}
    assert actions["limited_support"]["status"] == "succeeded"
    for type_id in ("incident_note", "silence_incident", "escalate_incident", "incident_title"):
        assert actions[type_id]["status"] == "dropped_by_policy"
        assert actions[type_id]["reason"] == "manual run: there is no incident to act on"
    assert recorder.types == ["limited_support"]


def test_manual_dry_run_calls_no_executor(world, recorder, capsys) -> None:
    world(
        investigations(
            precheck=returns(),
            chgm=returns(
                ServiceLog(severity="Warning", summary="s", description="d"),
                ClusterReport(cluster_id="2abc", summary="s", data="d"),
                IncidentNote(),
            ),
        )
    )
    code, out, _err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--dry-run", "-o", "json")
    assert code == 0
    record = json.loads(out)
    assert record["dry_run"] is True
    assert [(a["type"], a["status"]) for a in record["actions"]] == [
        ("service_log", "dry_run"),  # in plan order
        ("cluster_report", "dry_run"),
        ("incident_note", "dropped_by_policy"),
    ]
    assert [a["executor"] for a in record["actions"]][:2] == ["recorder", "recorder"]
    assert record["actions"][0]["reason"] == "would run: service log (Warning): s"
    assert recorder.calls == []


def test_incident_dry_run_calls_no_executor(tmp_path: Path, world, recorder) -> None:
    world(investigations(chgm=returns(LimitedSupport(summary="s", details="d"), IncidentNote())))
    record = incident(tmp_path, chain_config("chgm"), dry_run=True)
    assert statuses(record) == [
        ("limited_support", "dry_run"),
        ("incident_note", "dry_run"),
        ("incident_title", "dry_run"),
    ]
    assert recorder.calls == []


def test_manual_failure_is_exit_1_and_its_escalation_is_dropped(world, recorder, capsys) -> None:
    recorder.fail["cluster_report"] = PermanentError("backplane said 400")
    world(investigations(chgm=returns(ClusterReport(cluster_id="2abc", summary="s", data="d"))))
    code, out, _err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--output", "json")
    assert code == 1
    record = json.loads(out)
    assert record["outcome"] == "failed"
    assert [(a["type"], a["status"]) for a in record["actions"]] == [
        ("cluster_report", "failed"),
        ("incident_note", "dropped_by_policy"),
        ("escalate_incident", "dropped_by_policy"),
    ]
    assert record["actions"][0]["error"] == "backplane said 400"


# -- infrastructure-cluster guard -----------------------------------------------------


def _raising(_resources: Any) -> object:
    raise ConnectionError("hive lookup timed out")


UNCERTAIN = "⚠️ CAD could not confirm that this is a customer cluster: "


@pytest.mark.parametrize(
    ("infra", "reason", "note_start"),
    [
        (
            lambda r: True,
            "the cluster is an infrastructure cluster (hive, management or service)",
            "⚠️ This cluster is an infrastructure cluster (hive, management or service).",
        ),
        (
            _raising,
            "the infrastructure-cluster check failed (resource 'infra_cluster' could not be "
            "built: hive lookup timed out)",
            UNCERTAIN + "the infrastructure-cluster check failed (resource 'infra_cluster' "
            "could not be built: hive lookup timed out). To be safe it is treated as an "
            "infrastructure cluster.",
        ),
        (
            None,
            "no installed plugin can tell whether this is an infrastructure cluster",
            UNCERTAIN + "no installed plugin can tell whether this is an infrastructure "
            "cluster. To be safe it is treated as an infrastructure cluster.",
        ),
    ],
    ids=["infra", "check-raises", "no-provider"],
)
def test_infrastructure_guard_replaces_customer_facing_actions(
    tmp_path: Path, cad_registry, recorder, infra: Any, reason: str, note_start: str
) -> None:
    provided = {"cluster": lambda r: dict(CLUSTER)}
    if infra is not None:
        provided["infra_cluster"] = infra
    plan = (
        ServiceLog(severity="Major", summary="s", description="d"),
        LimitedSupport(summary="s", details="d"),
        ClusterReport(cluster_id="2abc", summary="s", data="d"),
        SilenceIncident(reason="customer stopped it"),
    )
    cad_registry(
        recorder.plugin, SOURCE, resources(**provided), investigations(chgm=returns(*plan))
    )
    record = incident(tmp_path, chain_config("chgm"))
    replaced = [o for o in record.actions if o.status == Status.REPLACED_BY_POLICY]
    assert [o.type for o in replaced] == ["service_log", "limited_support", "silence_incident"]
    assert {o.reason for o in replaced} == {reason}
    assert recorder.types == [
        "cluster_report",
        "incident_note",
        "escalate_incident",
        "incident_title",
    ]
    note = recorder.payloads("incident_note")[0]["content"]
    assert note.startswith(note_start)
    assert "held back the planned service log, limited support and silence" in note
    assert record.outcome == "succeeded"


def test_guard_keeps_a_single_escalation(tmp_path: Path, world, recorder) -> None:
    world(
        investigations(chgm=returns(SilenceIncident(reason="r"), EscalateIncident(reason="e"))),
        infra=True,
    )
    record = incident(tmp_path, chain_config("chgm"))
    assert sorted(recorder.types) == ["escalate_incident", "incident_note", "incident_title"]
    assert statuses(record)[0] == ("silence_incident", "replaced_by_policy")


def test_customer_cluster_keeps_its_plan(tmp_path: Path, world, recorder) -> None:
    world(investigations(chgm=returns(ServiceLog(severity="Info", summary="s", description="d"))))
    record = incident(tmp_path, chain_config("chgm"))
    assert statuses(record) == [("service_log", "succeeded"), ("incident_title", "succeeded")]


# -- the run record and exit codes ----------------------------------------------------


def test_run_record_json_has_the_design_keys(tmp_path: Path, world, capsys) -> None:
    world(
        investigations(
            precheck=returns(),
            chgm=returns(
                ServiceLog(severity="Info", summary="s", description="d"),
                IncidentNote(),
            ),
        )
    )
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"title": "cluster-a has gone missing", "id": "Q9"}))
    config = write_config(tmp_path, chain_config("precheck", "chgm"))
    code, out, err = cli(
        capsys, "run", "--payload-path", str(payload), "--config", config, "--output", "json"
    )
    assert code == 0, err
    record = json.loads(out)
    assert {"mode", "dry_run", "alert", "chain", "investigations", "actions", "outcome"} <= set(
        record
    )
    assert (record["mode"], record["dry_run"], record["chain"], record["outcome"]) == (
        "incident",
        False,
        "chgm-chain",
        "succeeded",
    )
    assert {"source", "id", "title", "cluster_id"} <= set(record["alert"])
    assert (record["alert"]["id"], record["alert"]["cluster_id"]) == ("Q9", "2abc")
    for inv in record["investigations"]:
        assert {"name", "status", "attempts", "notes"} <= set(inv)
        assert inv["status"] in INVESTIGATION_STATUSES
    assert record["investigations"][1]["notes"] == ["⚠️ chgm looked"]
    for action in record["actions"]:
        assert {"type", "executor", "status", "attempts", "error", "payload"} <= set(action)
        assert action["status"] in set(Status)
        assert action["payload"]["type"] == action["type"]
    assert [a["type"] for a in record["actions"]] == [
        "service_log",
        "incident_note",
        "incident_title",
    ]


def test_every_action_status_is_from_the_allowed_set(tmp_path: Path, world, recorder) -> None:
    recorder.applied = {"incident_title"}
    recorder.fail["cluster_report"] = PermanentError("no")
    world(
        investigations(
            chgm=returns(
                ServiceLog(severity="Info", summary="s", description="d"),
                ClusterReport(cluster_id="2abc", summary="s", data="d"),
                IncidentNote(),
            )
        ),
        infra=True,
    )
    seen: set[str] = set()
    for kw in ({}, {"dry_run": True}):
        seen |= {o.status for o in incident(tmp_path, chain_config("chgm"), **kw).actions}
    seen |= {o.status for o in manual("chgm").actions}
    assert seen <= set(Status)
    assert {
        "replaced_by_policy",
        "failed",
        "dry_run",
        "dropped_by_policy",
        "skipped_duplicate",
        "succeeded",
    } <= seen


def test_exit_codes(tmp_path: Path, world, recorder, capsys) -> None:
    world(investigations(chgm=returns(LimitedSupport(summary="s", details="d"))))
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"title": "cluster-a has gone missing"}))
    config = write_config(tmp_path, chain_config("chgm"))
    assert cli(capsys, "run", "-P", str(payload), "--config", config)[0] == 0
    recorder.fail["limited_support"] = PermanentError("OCM 400")
    code, out, _err = cli(capsys, "run", "-P", str(payload), "--config", config)
    assert code == 1
    assert out.startswith("CAD incident run: failed")
    code, out, err = cli(capsys, "run", "-P", str(payload), "--config", str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert err.startswith("cad: error: routing config ") and "cannot read it" in err


# -- secrets --------------------------------------------------------------------------


SECRETS = {
    "CAD_PD_TOKEN": "pdtok-7f3a9c1e55",
    "CAD_OCM_CLIENT_SECRET": "ocm-s3cr3t-b55d",
    "PD_SIGNATURE": "v1sig-aaaa1111,v1sig-bbbb2222",
}
SECRET_VALUES = ["pdtok-7f3a9c1e55", "ocm-s3cr3t-b55d", "v1sig-aaaa1111", "v1sig-bbbb2222"]


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return " ".join(SECRET_VALUES)


@pytest.fixture
def cad_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog on the `cad` logger, formatted by cad_core.logs (setup_logging owns root)."""
    caplog.handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("cad")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.mark.parametrize("fails_in", ["executor", "investigation"])
@pytest.mark.parametrize("output", ["json", "text"])
def test_secrets_never_reach_stdout_stderr_or_logs(
    tmp_path: Path, world, recorder, capsys, cad_log, secrets: str, fails_in: str, output: str
) -> None:
    def leaky(ctx: Any) -> InvestigationResult:
        ctx.log.info("calling PagerDuty with %s", secrets)
        ctx.log.debug("debug: %s", secrets)
        ctx.notes.warning(f"credentials in use: {secrets}")
        if fails_in == "investigation":
            raise FindingError(f"401 with {secrets}")
        return InvestigationResult(
            [
                LimitedSupport(summary="s", details="d"),
                ClusterReport(cluster_id="2abc", summary="s", data="d"),
            ]
        )

    recorder.fail["limited_support"] = PermanentError(f"401 Unauthorized for {secrets}")
    recorder.fail["cluster_report"] = RuntimeError(f"unexpected: {secrets}")  # logs a traceback
    world(investigations(leaky=leaky))
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"title": "cluster-a has gone missing"}))
    config = write_config(tmp_path, chain_config("leaky"))
    code, out, err = cli(
        capsys, "run", "-P", str(payload), "--config", config, "-o", output, "--log-level", "debug"
    )
    assert code == 1
    assert "***" in out and "***" in err and "***" in cad_log.text
    if fails_in == "executor":
        assert "Traceback" in cad_log.text  # the unexpected executor error is logged in full
    if output == "json":
        assert json.loads(out)["outcome"] == "failed"
    for value in SECRET_VALUES:
        assert value not in out
        assert value not in err
        assert value not in cad_log.text


def test_secrets_with_json_escaped_characters_are_redacted_in_json_output(
    tmp_path: Path, world, recorder, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = 'p\\ss"wörd-42'
    monkeypatch.setenv("CAD_OCM_CLIENT_SECRET", secret)
    recorder.fail["limited_support"] = PermanentError(f"bad credentials {secret}")
    world(investigations(chgm=returns(LimitedSupport(summary="s", details="d"))))
    code, out, _err = cli(capsys, "run", "-c", "2abc", "-i", "chgm", "--output", "json")
    assert code == 1

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    decoded = list(strings(json.loads(out)))
    assert [text for text in decoded if secret in text] == []
    assert any("bad credentials ***" in text for text in decoded)


# -- metrics --------------------------------------------------------------------------


def labels(sink: RecordingSink, kind: str) -> list[dict[str, str]]:
    return [dict(e.labels) for e in sink.of_kind(kind)]


def test_incident_metrics(tmp_path: Path, world, recording_sink: RecordingSink) -> None:
    world(
        recording_sink.plugin,
        investigations(
            chgm=returns(LimitedSupport(summary="s", details="d", context="CCAM")),
            skipped=returns(),
        ),
    )
    config = (
        "alerts:\n  - alert_title: gone missing\n    name: chgm-chain\n    investigations:\n"
        "      - chgm\n      - {name: skipped, when: {operator: sample, values: ['0']}}\n"
    )
    incident(tmp_path, config)
    assert labels(recording_sink, "alert_received") == [{"alert_type": "chgm-chain"}]
    assert labels(recording_sink, "alert_filtered") == [{"alert_type": "skipped"}]
    actions = labels(recording_sink, "action")
    assert {
        "type": "limited_support",
        "executor": "recorder",
        "status": "succeeded",
        "investigation": "chgm",
        "context": "CCAM",
    } in actions
    assert [a["type"] for a in actions] == ["limited_support", "incident_title"]
    assert labels(recording_sink, "investigation") == [
        {"investigation": "chgm", "status": "succeeded"}
    ]
    assert recording_sink.flushed == 1


def test_alert_filtered_metric_for_an_alert_level_rejection(
    tmp_path: Path, world, recording_sink: RecordingSink
) -> None:
    world(recording_sink.plugin, investigations(chgm=returns()))
    when = "    when: {field: HCP, operator: in, values: ['true']}\n"
    incident(tmp_path, chain_config("chgm", extra=when))
    assert labels(recording_sink, "alert_received") == [{"alert_type": "chgm-chain"}]
    assert labels(recording_sink, "alert_filtered") == [{"alert_type": "chgm-chain"}]


@pytest.mark.parametrize("dry_run", [False, True])
def test_manual_metrics(world, recording_sink: RecordingSink, dry_run: bool) -> None:
    world(recording_sink.plugin, investigations(chgm=returns(IncidentNote())))
    manual("chgm-alias", dry_run=dry_run)
    flag = str(dry_run).lower()
    assert labels(recording_sink, "manual_started") == [{"alert_type": "chgm", "dry_run": flag}]
    assert labels(recording_sink, "manual_completed") == [
        {"alert_type": "chgm", "status": "succeeded", "dry_run": flag}
    ]
    assert labels(recording_sink, "action") == [
        {
            "type": "incident_note",
            "executor": "",
            "status": "dropped_by_policy",
            "investigation": "chgm",
            "context": "",
        }
    ]
    assert recording_sink.events[0].kind == "manual_started"
    assert recording_sink.events[-1].kind == "manual_completed"


def test_a_failing_sink_never_fails_the_run(
    tmp_path: Path, world, recording_sink: RecordingSink, capsys
) -> None:
    def explode(*_args: Any) -> None:
        raise RuntimeError("pushgateway unreachable")

    def broken() -> Iterator[MetricsSink]:
        yield MetricsSink(name="broken", record=explode, flush=explode)

    world(
        inline_plugin("broken-sink", cad_metrics_sinks=broken),
        recording_sink.plugin,
        investigations(chgm=returns(LimitedSupport(summary="s", details="d"))),
    )
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"title": "cluster-a has gone missing"}))
    config = write_config(tmp_path, chain_config("chgm"))
    code, out, err = cli(capsys, "run", "-P", str(payload), "--config", config, "-o", "json")
    assert code == 0
    assert json.loads(out)["outcome"] == "succeeded"
    assert "metrics sink broken failed to record" in err
    assert "metrics sink broken failed to flush" in err
    assert [e.kind for e in recording_sink.events].count("action") == 2
    assert recording_sink.flushed == 1
