"""The ``cad`` command: fast help, plugin listing, config and routing tools, bad input."""

from __future__ import annotations

import base64
import gc
import itertools
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cad_core import (
    ActionExecutor,
    Alert,
    AlertSource,
    FilterField,
    Investigation,
    InvestigationResult,
    Resource,
    Setting,
    __version__,
)
from cad_core.cli.commands import main
from cad_core.logs import RedactingFormatter
from cad_core.testing import inline_plugin

HEAVY = ("boto3", "botocore", "pagerduty", "httpx2", "requests")
NOISY = ("urllib3", "botocore", "boto3", "httpx", "httpx2", "httpcore", "pagerduty")
_unique = itertools.count()


def _parse(payload: bytes) -> Alert | None:
    data = json.loads(payload)
    if not isinstance(data, dict) or "title" not in data:
        return None
    return Alert(source="test", id=data.get("id", "Q1"), title=data["title"], cluster_id="2abc")


def _sources() -> Iterator[AlertSource]:
    yield AlertSource(name="test-webhook", parse=_parse)


class World:
    """Inline plugins: an alert source, investigations, a note executor, cluster resources."""

    def __init__(self) -> None:
        self.params: list[dict[str, str]] = []
        self.executed: list[str] = []

        self.collector_on: list[bool] = []

        def seen_params(ctx: Any) -> InvestigationResult:
            self.params.append(dict(ctx.params))
            self.collector_on.append(gc.isenabled())
            return InvestigationResult()

        def investigations() -> Iterator[Investigation]:
            yield Investigation(name="precheck", run=seen_params, description="first checks")
            yield Investigation(name="chgm", run=seen_params, aliases=("chgm",))
            yield Investigation(
                name="clustermonitoringerrorbudgetburn", run=seen_params, aliases=("cmbb",)
            )

        def executors() -> Iterator[ActionExecutor]:
            yield ActionExecutor(
                name="note-writer",
                action_types=("incident_note", "escalate_incident", "incident_title"),
                execute=lambda action, ctx: self.executed.append(action.type_id),
            )

        def resources() -> Iterator[Resource]:
            yield Resource(name="infra_cluster", factory=lambda r: False)

        def fields() -> Iterator[FilterField]:  # as a cluster plugin registers it
            yield FilterField("CloudProvider", lambda r: "aws")

        self.plugin = inline_plugin(
            f"cli-world-{next(_unique)}",
            cad_alert_sources=_sources,
            cad_investigations=investigations,
            cad_action_executors=executors,
            cad_resources=resources,
            cad_filter_fields=fields,
            cad_settings=lambda: [Setting(name="CAD_PD_TOKEN", secret=True)],
        )


CONFIG = """\
alerts:
  - alert_title: SomeNewAlert
    experimental: true
    investigations: [precheck]
  - alert_title: has gone missing
    name: chgm
    investigations: [precheck, chgm]
  - alert_title: ClusterMonitoringErrorBudgetBurnSRE
    name: cmbb-chain
    when:
      field: CloudProvider
      operator: in
      values: ["aws"]
    investigations:
      - precheck
      - name: cmbb
        when: {operator: sample, values: ["0.5"]}
"""


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "CAD_EXPERIMENTAL_ENABLED",
        "CAD_INVESTIGATION_CONFIG_PATH",
        "CAD_PROMETHEUS_PUSHGATEWAY",
        "CAD_DISABLE_PLUGINS",
        "LOG_LEVEL",
        "PIPELINE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAD_RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.01")
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
def world(cad_registry) -> World:
    made = World()
    cad_registry(made.plugin)
    return made


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "config": tmp_path / "routing.yaml",
        "payload": tmp_path / "payload.json",
        "b64": tmp_path / "payload.b64",
        "garbage": tmp_path / "garbage.txt",
        "empty": tmp_path / "empty.json",
        "b64-not-json": tmp_path / "not-json.b64",
        "unknown-format": tmp_path / "unknown.json",
        "bad-config": tmp_path / "bad.yaml",
        "broken-yaml": tmp_path / "broken.yaml",
    }
    body = json.dumps({"title": "cluster-a has gone missing", "id": "Q7"}).encode()
    paths["config"].write_text(CONFIG)
    paths["payload"].write_bytes(body)
    paths["b64"].write_bytes(base64.b64encode(body) + b"\n")
    paths["garbage"].write_text("this is not a webhook\n")
    paths["empty"].write_text("  \n")
    paths["b64-not-json"].write_bytes(base64.b64encode(b"hello there"))
    paths["unknown-format"].write_text('{"event": {"id": "x"}}')
    paths["bad-config"].write_text("alerts:\n  - alert_title: x\n    investigations: [ghost]\n")
    paths["broken-yaml"].write_text("alerts: [\n")
    return paths


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


# -- help, version, plugins -----------------------------------------------------------

HELP_PROBE = textwrap.dedent(
    """
    import atexit, json, sys

    HEAVY = {heavy!r}

    def report():
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        sys.__stdout__.write("\\n@@" + json.dumps(loaded) + "\\n")
        sys.__stdout__.flush()

    atexit.register(report)
    from cad_core.cli.commands import main
    main(["--help"])
    """
).format(heavy=HEAVY)


def test_help_does_not_import_heavy_client_libraries(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CAD_DISABLE_PLUGINS"}
    done = subprocess.run(
        [sys.executable, "-c", HELP_PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    help_text, _, loaded = done.stdout.rpartition("\n@@")
    assert json.loads(loaded) == [], f"cad --help imported {loaded.strip()}"
    assert "Usage: cad [OPTIONS] COMMAND [ARGS]..." in help_text
    for command in ("config", "investigations", "plugins", "route", "run"):
        assert f"\n  {command} " in help_text


@pytest.mark.parametrize("command", [["--help"], ["plugins"]])
def test_a_reader_that_goes_away_is_no_error(command: list[str], tmp_path: Path) -> None:
    # `cad plugins | head -1`: the pipe's reading end is closed before cad writes a line.
    # click stops quietly with exit code 1; what must never show is an error or traceback.
    reading, writing = os.pipe()
    os.close(reading)
    cad = Path(sys.executable).parent / "cad"
    try:
        done = subprocess.run(
            [str(cad), *command],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writing)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


def test_version(capsys) -> None:
    assert cli(capsys, "--version") == (0, f"cad, version {__version__}\n", "")


def test_run_help_lists_both_modes(capsys) -> None:
    code, out, _err = cli(capsys, "run", "--help")
    assert code == 0
    for flag in (
        "--payload-path",
        "--cluster-id",
        "--investigation",
        "--param",
        "--dry-run",
        "--config",
        "--output",
    ):
        assert flag in out


def test_plugins_json_lists_the_builtin_sinks(cad_registry, capsys) -> None:
    cad_registry(World().plugin)
    code, out, err = cli(capsys, "plugins", "--json")
    assert (code, err) == (0, "")
    inventory = json.loads(out)
    assert inventory["conflicts"] == []
    (core,) = [p for p in inventory["plugins"] if p["distribution"] == "cad-core"]
    assert (core["version"], core["status"], core["error"]) == (__version__, "loaded", None)
    assert core["registrations"]["metrics_sinks"] == ["log", "prometheus"]
    (inline,) = [p for p in inventory["plugins"] if p["distribution"] == "inline"]
    assert inline["registrations"]["action_executors"] == [
        "note-writer: incident_note, escalate_incident, incident_title"
    ]
    assert sorted(inline["hooks"]) == [
        "cad_action_executors",
        "cad_alert_sources",
        "cad_filter_fields",
        "cad_investigations",
        "cad_resources",
        "cad_settings",
    ]


def test_plugins_text_shows_conflicts(cad_registry, capsys) -> None:
    def rival() -> Iterator[ActionExecutor]:
        yield ActionExecutor(name="rival", action_types=("incident_note",), execute=print)

    cad_registry(World().plugin, inline_plugin("rival-plugin", cad_action_executors=rival))
    code, out, _err = cli(capsys, "plugins", "--verbose")
    assert code == 0
    assert f"cad-core {__version__} [cad_core.plugins.builtin]: loaded" in out
    assert "    metrics_sinks: log; prometheus" in out
    assert "CONFLICT: action type 'incident_note' is claimed by 'note-writer' (inline) and " in out


def test_investigations_lists_names_and_aliases(world, capsys) -> None:
    code, out, _err = cli(capsys, "investigations")
    assert code == 0
    assert out.splitlines() == [
        "chgm - no description [inline]",
        "clustermonitoringerrorbudgetburn (alias: cmbb) - no description [inline]",
        "precheck - first checks [inline]",
    ]


# -- bad input: exit 2, one line, no traceback ----------------------------------------

BAD_INPUT = {
    "unknown flag": (["run", "--bogus"], "No such option '--bogus'"),
    "unknown command": (["nosuchcmd"], "No such command 'nosuchcmd'"),
    "bad choice": (["run", "--output", "yaml"], "'yaml' is not one of 'text', 'json'"),
    "flag without value": (["run", "-c"], "Option '-c' requires an argument"),
    "no mode": (["run"], "give --payload-path FILE, or both --cluster-id and --investigation"),
    "half manual": (["run", "-c", "2abc"], "give --payload-path FILE, or both"),
    "both modes": (
        ["run", "-P", "{payload}", "-c", "2abc", "-i", "chgm"],
        "use either --payload-path (incident mode) or -c/-i (manual mode)",
    ),
    "unknown investigation": (
        ["run", "-c", "2abc", "-i", "chgmm"],
        "unknown investigation 'chgmm'; installed: chgm; "
        "cmbb (clustermonitoringerrorbudgetburn); precheck",
    ),
    "param without =": (
        ["run", "-c", "2abc", "-i", "chgm", "-p", "novalue"],
        "--param 'novalue' is not of the form KEY=VALUE",
    ),
    "param without key": (
        ["run", "-c", "2abc", "-i", "chgm", "--param", "=x"],
        "--param '=x' is not of the form KEY=VALUE",
    ),
    "param with blank key": (
        ["run", "-c", "2abc", "-i", "chgm", "-p", "a=1", "-p", " =x"],
        "--param ' =x' is not of the form KEY=VALUE",
    ),
    "bad log level": (
        ["run", "-c", "2abc", "-i", "chgm", "--log-level", "loud"],
        "log level 'loud' is not one of debug, info, warn, warning, error",
    ),
    "payload neither JSON nor base64": (
        ["run", "-P", "{garbage}", "--config", "{config}"],
        "payload {garbage} is neither JSON nor base64-encoded JSON",
    ),
    "empty payload": (
        ["run", "-P", "{empty}", "--config", "{config}"],
        "payload {empty} is empty; expected a webhook body (JSON or base64)",
    ),
    "base64 of something else": (
        ["run", "-P", "{b64-not-json}", "--config", "{config}"],
        "payload {b64-not-json} is not valid JSON",
    ),
    "missing payload file": (
        ["run", "-P", "{payload}.missing", "--config", "{config}"],
        "cannot read payload {payload}.missing: No such file or directory",
    ),
    "payload no source knows": (
        ["run", "-P", "{unknown-format}", "--config", "{config}"],
        "no alert source recognises the payload; formats tried: test-webhook",
    ),
    "missing config in incident mode": (
        ["run", "-P", "{payload}"],
        "incident mode needs a routing config: pass --config FILE or set "
        "CAD_INVESTIGATION_CONFIG_PATH",
    ),
    "invalid config": (
        ["run", "-P", "{payload}", "--config", "{bad-config}"],
        "routing config {bad-config}, line 3: alerts[0].investigations[0]: "
        "unknown investigation 'ghost'",
    ),
    "broken YAML in manual mode": (
        ["run", "-c", "2abc", "-i", "chgm", "--config", "{broken-yaml}"],
        "routing config {broken-yaml}, line 2: invalid YAML",
    ),
    "config check of a bad file": (
        ["config", "check", "{bad-config}"],
        "routing config {bad-config}, line 3:",
    ),
    "config check without file or default routes": (
        ["config", "check"],
        "incident mode needs a routing config",
    ),
    "route without config": (["route", "-P", "{payload}"], "incident mode needs a routing config"),
    "route of garbage": (
        ["route", "-P", "{garbage}", "--config", "{config}"],
        "payload {garbage} is neither JSON nor base64-encoded JSON",
    ),
    "bad retry setting": (
        ["run", "-c", "2abc", "-i", "chgm", "--env:CAD_RETRY_MAX_ATTEMPTS=0"],
        "CAD_RETRY_MAX_ATTEMPTS='0' must be at least 1",
    ),
}


@pytest.mark.parametrize(("args", "expected"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    world: World,
    files: dict[str, Path],
    capsys,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    expected: str,
) -> None:
    names = {key: str(path) for key, path in files.items()}
    argv = []
    for arg in args:
        if arg.startswith("--env:"):
            name, _, value = arg.removeprefix("--env:").partition("=")
            monkeypatch.setenv(name, value)
        else:
            argv.append(arg.format(**names))
    code, out, err = cli(capsys, *argv)
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.endswith("\n")
    assert err.startswith("cad: error: "), err
    assert expected.format(**names) in err
    assert world.executed == []


def test_usage_errors_are_redacted_too(world, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAD_PD_TOKEN", "pdtok-7f3a9c1e55")
    code, _out, err = cli(capsys, "run", "--output", "pdtok-7f3a9c1e55")
    assert code == 2
    assert "pdtok-7f3a9c1e55" not in err


# -- payloads and params --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["payload", "b64"])
def test_json_and_base64_payloads_are_accepted(
    world: World, files: dict[str, Path], capsys, kind: str
) -> None:
    code, out, err = cli(
        capsys, "run", "-P", str(files[kind]), "--config", str(files["config"]), "-o", "json"
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["alert"]["title"] == "cluster-a has gone missing"
    assert record["alert"]["id"] == "Q7"
    assert record["chain"] == "chgm"
    assert [i["name"] for i in record["investigations"]] == ["precheck", "chgm"]
    assert world.executed == ["incident_title"]


def test_config_from_the_environment(
    world: World, files: dict[str, Path], capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAD_INVESTIGATION_CONFIG_PATH", str(files["config"]))
    code, out, _err = cli(capsys, "run", "--payload-path", str(files["b64"]), "--output", "json")
    assert code == 0
    assert json.loads(out)["chain"] == "chgm"


def test_params_split_at_the_first_equals_and_later_ones_win(world: World, capsys) -> None:
    code, _out, err = cli(
        capsys,
        "run",
        "-c",
        "2abc",
        "-i",
        "chgm",
        "-p",
        "a=1",
        "--param",
        "query=x=y",
        "-p",
        "a=2",
        "-p",
        "empty=",
    )
    assert code == 0, err
    assert world.params == [{"a": "2", "query": "x=y", "empty": ""}]  # no chain heads: chgm only


def test_text_output_summarises_the_run(world: World, files: dict[str, Path], capsys) -> None:
    code, out, _err = cli(
        capsys, "run", "-P", str(files["payload"]), "--config", str(files["config"])
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "CAD incident run: succeeded"
    assert "  alert: 'cluster-a has gone missing' (incident Q7, cluster 2abc)" in lines
    assert "  chain: chgm" in lines
    assert "  [done] prefix the incident title with [CAD Investigated] via note-writer" in lines


def test_a_run_pauses_the_cycle_collector_and_turns_it_back_on(
    world: World, files: dict[str, Path], capsys
) -> None:
    # One alert's process exits after its run (cad_core.run.shutdown.collector_paused);
    # a caller that stays alive gets its collector back.
    assert gc.isenabled()
    code, _out, _err = cli(
        capsys, "run", "-P", str(files["payload"]), "--config", str(files["config"])
    )
    assert code == 0
    assert world.collector_on and not any(world.collector_on)
    assert gc.isenabled()


# -- config check and route -----------------------------------------------------------


def test_config_check_lists_chains_and_unclaimed_action_types(
    world: World, files: dict[str, Path], capsys
) -> None:
    files["config"].write_text(CONFIG)
    code, out, err = cli(capsys, "config", "check", str(files["config"]))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [
        f"{files['config']}: valid, 3 alert entries",
        "  'SomeNewAlert' (experimental): precheck",
        "  'has gone missing': precheck -> chgm",
        "  'ClusterMonitoringErrorBudgetBurnSRE': precheck -> clustermonitoringerrorbudgetburn",
    ]
    unclaimed = [
        line.removeprefix("  warning: no installed executor claims action type ")
        for line in lines
        if "no installed executor claims" in line
    ]
    # Other tests may register extra action types; the core's own must all be there.
    assert {"'cluster_report'", "'limited_support'", "'service_log'", "'silence_incident'"} <= set(
        unclaimed
    )
    assert not {"'incident_note'", "'escalate_incident'", "'incident_title'"} & set(unclaimed)


@pytest.mark.parametrize(
    ("selection", "problem"),
    [
        (
            "service_log: ocm-service-log",
            "executors.service_log selects 'ocm-service-log', which is not installed (note-writer)",
        ),
        (
            "service_log: note-writer",
            "executors.service_log selects 'note-writer', which does not claim 'service_log' "
            "(it claims: incident_note, escalate_incident, incident_title)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["config-check", "manual", "incident"])
def test_a_selection_that_cannot_work_is_one_line_and_exit_2_before_anything_runs(
    world: World, files: dict[str, Path], capsys, selection: str, problem: str, command: str
) -> None:
    files["config"].write_text(CONFIG + f"executors:\n  {selection}\n")
    args = {
        "config-check": ["config", "check", str(files["config"])],
        "manual": ["run", "-c", "2abc", "-i", "chgm", "--config", str(files["config"])],
        "incident": ["run", "-P", str(files["payload"]), "--config", str(files["config"])],
    }[command]
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("cad: error: ") and problem in err
    assert len(err.strip().splitlines()) == 1
    assert world.executed == []


def test_config_check_of_the_contrib_example(cad_registry, capsys) -> None:
    def investigations() -> Iterator[Investigation]:
        for name in (
            "precheck",
            "ccam",
            "chgm",
            "clustermonitoringerrorbudgetburn",
            "expiredcertificates",
            "machinehealthcheckunterminatedshortcircuitsre",
            "pdbblockingnodedrain",
            "cpd",
            "upgradeconfigsyncfailureover4hr",
            "insightsoperatordown",
            "cannotretrieveupdatessre",
            "ocmagentresponsefailure",
            "consoleerrorbudgetburn",
            "etcddatabasequotalowspace",
            "restartcontrolplane",
            "mustgather",
        ):
            yield Investigation(name=name, run=lambda ctx: InvestigationResult())

    cad_registry(inline_plugin("standard-investigations", cad_investigations=investigations))
    example = Path(__file__).resolve().parents[1] / "contrib" / "config" / "routing.yaml"
    code, out, _err = cli(capsys, "config", "check", str(example))
    assert code == 0
    assert "  'has gone missing': precheck -> ccam -> chgm" in out
    assert (
        "  'ClusterMonitoringErrorBudgetBurnSRE': precheck -> ccam -> "
        "clustermonitoringerrorbudgetburn"
    ) in out


def test_route_shows_each_decision_and_the_chain(
    world: World, files: dict[str, Path], capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = files["payload"]
    payload.write_text(json.dumps({"title": "ClusterMonitoringErrorBudgetBurnSRE Critical"}))
    code, out, err = cli(
        capsys, "route", "--payload-path", str(payload), "--config", str(files["config"])
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "alert: 'ClusterMonitoringErrorBudgetBurnSRE Critical' (incident Q1, cluster 2abc)",
        f"routes: {files['config']}",
        "  'SomeNewAlert': title does not contain alert_title",
        "  'has gone missing': title does not contain alert_title",
        "  'ClusterMonitoringErrorBudgetBurnSRE': matches",
        "  alert-level filter: {'field': 'CloudProvider', 'operator': 'in', 'values': ['aws']}"
        " (evaluated at run time)",
        "  runs: precheck",
        "  runs: clustermonitoringerrorbudgetburn when {'operator': 'sample', 'values': ['0.5']}",
        "chain 'cmbb-chain' would run, then the title gets its prefix",
    ]
    assert world.executed == [] and world.params == []


def test_route_explains_experimental_entries_and_no_match(
    world: World, files: dict[str, Path], capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = files["payload"]
    payload.write_text(json.dumps({"title": "SomeNewAlert firing"}))
    code, out, _err = cli(capsys, "route", "-P", str(payload), "--config", str(files["config"]))
    assert code == 0
    assert out.splitlines()[2:] == [
        "  'SomeNewAlert': experimental, and CAD_EXPERIMENTAL_ENABLED is off",
        "  'has gone missing': title does not contain alert_title",
        "  'ClusterMonitoringErrorBudgetBurnSRE': title does not contain alert_title",
        "no entry matches: CAD would escalate with a note saying it has no automation",
    ]
    monkeypatch.setenv("CAD_EXPERIMENTAL_ENABLED", "true")
    code, out, _err = cli(capsys, "route", "-P", str(payload), "--config", str(files["config"]))
    assert out.splitlines()[2:] == [
        "  'SomeNewAlert': matches",
        "  runs: precheck",
        "chain 'SomeNewAlert' would run, then the title gets its prefix",
    ]


def test_a_payload_with_a_huge_integer_is_bad_input(tmp_path: Path, capsys: Any) -> None:
    """Found by the fuzzer: json raises a plain ValueError past 4300 digits."""
    from cad_core.errors import BadInputError
    from cad_core.run.payload import decode_payload

    with pytest.raises(BadInputError, match="is not valid JSON"):
        decode_payload(b'{"n": ' + b"9" * 5000 + b"}")


def test_route_when_the_alert_cannot_be_read_is_one_line(
    tmp_path: Path, capsys: Any, cad_registry: Any
) -> None:
    """Found by the fuzzer: an alert source's own error (PagerDuty has no such incident)."""
    from cad_core import AlertSource, NotFoundError
    from cad_core.cli.commands import main
    from cad_core.testing import inline_plugin

    def parse(payload: bytes) -> Any:
        raise NotFoundError("incident Q9 not found")

    cad_registry(
        inline_plugin("src", cad_alert_sources=lambda: [AlertSource(name="s", parse=parse)])
    )
    config = tmp_path / "c.yaml"
    config.write_text("alerts: []\n")
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    with pytest.raises(SystemExit) as done:
        main(["route", "--payload-path", str(payload), "--config", str(config)])
    assert done.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "cad: error: reading the alert failed: incident Q9 not found"
    ]
