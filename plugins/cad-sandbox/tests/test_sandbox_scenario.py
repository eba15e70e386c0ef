"""Scenario loading: every shared example loads, and mistakes are one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from cad_core.errors import BadInputError

from cad_sandbox.scenario import bundled_examples, load_scenario, parse_scenario

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SHARED_SCENARIOS = sorted((SHARED / "scenarios").glob("*.yaml"))


def test_the_plugin_registers_through_its_entry_points() -> None:
    cad = {e.name: e.value for e in entry_points(group="cad")}
    pytest11 = {e.name: e.value for e in entry_points(group="pytest11")}
    assert cad["sandbox"] == "cad_sandbox.plugin"
    assert pytest11["cad_sandbox"] == "cad_sandbox.fixtures"


@pytest.mark.skipif(not SHARED_SCENARIOS, reason="../shared/scenarios is not beside the repository")
@pytest.mark.parametrize("path", SHARED_SCENARIOS, ids=lambda p: p.stem)
def test_every_shared_scenario_loads_and_is_bundled(path: Path) -> None:
    scenario = load_scenario(path, now=NOW)
    assert scenario.name == path.stem
    assert scenario.expect is not None and scenario.expect.actions
    bundled = bundled_examples()[path.stem]
    assert bundled.read_bytes() == path.read_bytes()


def test_bundled_examples_load() -> None:
    examples = bundled_examples()
    assert len(examples) >= 6
    for path in examples.values():
        assert load_scenario(path, now=NOW).pagerduty is not None


def test_relative_times_resolve_against_now() -> None:
    scenario = load_scenario(
        {
            "aws": {
                "instances": [
                    {"id": "a", "name": "n", "state": "stopped", "stopped_at": "-40m"},
                    {"id": "b", "name": "n", "stopped_at": "-30s"},
                    {"id": "c", "name": "n", "stopped_at": "-3h"},
                    {"id": "d", "name": "n", "stopped_at": "-2d"},
                    {"id": "e", "name": "n", "stopped_at": "now"},
                    {"id": "f", "name": "n", "stopped_at": "2026-02-01T00:00:00Z"},
                ]
            }
        },
        now=NOW,
    )
    stops = [i.stopped_at for i in scenario.aws.instances]
    assert stops == [
        NOW - timedelta(minutes=40),
        NOW - timedelta(seconds=30),
        NOW - timedelta(hours=3),
        NOW - timedelta(days=2),
        NOW,
        datetime(2026, 2, 1, tzinfo=UTC),
    ]
    assert scenario.now == NOW


def test_defaults_follow_the_design() -> None:
    scenario = load_scenario(
        {
            "pagerduty": {
                "incident": {"id": "Q", "title": "t", "service": {"id": "S", "summary": "s"}}
            }
        },
        now=NOW,
    )
    assert scenario.pagerduty is not None
    incident = scenario.pagerduty.incident
    assert (incident.status, incident.escalation_level, incident.escalation_policy) == (
        "triggered",
        1,
        "PDEFAULT",
    )
    assert scenario.pagerduty.silent_policy == "PSILENT"
    assert scenario.pagerduty.webhook == "v3"
    assert scenario.kube.api == "ok" and scenario.aws.credentials == "ok"
    assert scenario.egress.result == "success"


def test_unknown_key_names_file_line_key_and_allowed_keys(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: typo\nocm:\n  clusters:\n  - id: c1\n    stae: ready\n")
    with pytest.raises(BadInputError) as caught:
        load_scenario(path, now=NOW)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message and "line 5" in message and "'stae'" in message
    assert "allowed: id, external_id, name, state" in message


def test_unknown_top_level_key_is_reported_with_its_line() -> None:
    with pytest.raises(BadInputError, match=r"x\.yaml, line 3: unknown key 'fault'"):
        parse_scenario("name: x\negress: {result: success}\nfault: []\n", "x.yaml", now=NOW)


def test_bad_time_is_reported_with_path_and_accepted_forms() -> None:
    text = "aws:\n  instances:\n  - {id: i-1, name: n, stopped_at: -40x}\n"
    with pytest.raises(BadInputError) as caught:
        parse_scenario(text, "t.yaml", now=NOW)
    message = str(caught.value)
    assert "line 3" in message and "aws.instances[0].stopped_at" in message
    assert "'-40x'" in message and "-40m" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("pagerduty: {incident: {id: 1, title: t, service: {id: s, summary: s}}}", "a string"),
        ("kube: {clusteroperators: {m: {conditions: [{type: A, status: True}]}}}", "quote it"),
        ("ocm: {clusters: [{id: c, infra_cluster: maybe}]}", "true or false or 'error'"),
        ("ocm: {clusters: {id: c}}", "expected a list"),
        ("aws: {credentials: nope}", "'ok', 'denied'"),
        ("faults: [{service: ocm, path: /x}]", "needs a status"),
        ("faults: [{service: mail, path: /x, status: 500}]", "'pagerduty'"),
        ("latency_ms: {ocm: -5}", "must not be negative"),
        ("faults: [{service: ocm, path: api/x, status: 500}]", "must start with /"),
        (
            "pagerduty: {incident: {id: Q, title: t, service: {id: s, summary: s}},"
            " alerts: [{details: {at: 2026-01-01}}]}",
            "plain JSON",
        ),
        ("egress: {result: failure}", "at least one unreachable"),
        ("version: 2", "expected one of 1"),
        ("ocm: {clusters: [{name: c}]}", "missing required key 'id'"),
        ("ocm: {clusters: [{id: a}, {id: a}]}", "used more than once: a"),
        ("name: a\nname: b", "duplicate key 'name'"),
        ("aws: [", "invalid YAML"),
        ("", "empty"),
    ],
)
def test_bad_input_is_one_line(text: str, fragment: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_scenario(text, "bad.yaml", now=NOW)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_dict_input_errors_name_the_path() -> None:
    with pytest.raises(BadInputError, match=r"\(dict\): unknown key 'clsuters' in ocm"):
        load_scenario({"ocm": {"clsuters": []}}, now=NOW)


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read"):
        load_scenario(tmp_path / "absent.yaml")


def test_yaml_aliases_are_refused_with_their_line() -> None:
    text = "ocm:\n  clusters:\n  - &c {id: c1}\n  - *c\n"
    with pytest.raises(BadInputError) as caught:
        parse_scenario(text, "alias.yaml", now=NOW)
    assert str(caught.value) == (
        "scenario alias.yaml, line 4: YAML aliases (*c) are not accepted; write the value out"
    )


def test_every_problem_is_reported_at_once() -> None:
    text = "name: x\nocm: {clusters: [{id: c, stae: ready}]}\nlatency_ms: {ocm: -5}\nfault: []\n"
    with pytest.raises(BadInputError) as caught:
        parse_scenario(text, "many.yaml", now=NOW)
    message = str(caught.value)
    assert message.startswith("scenario many.yaml: 3 problems: line 2: unknown key 'stae'")
    assert "| line 3: latency_ms: " in message and "must not be negative" in message
    assert "| line 4: unknown key 'fault' at the top level (allowed: " in message


def test_the_old_strict_yaml_module_still_works() -> None:
    # cad_sandbox.strict_yaml is deprecated (the sandbox uses the core's loader); its names
    # keep working for a release, with a warning on import.
    import importlib
    import sys

    from cad_sandbox.scenario import Scenario

    sys.modules.pop("cad_sandbox.strict_yaml", None)
    with pytest.warns(DeprecationWarning, match="cad_core.config.strict_yaml"):
        strict_yaml = importlib.import_module("cad_sandbox.strict_yaml")

    node = strict_yaml.load_nodes("name: x\n", "old.yaml")
    scenario = strict_yaml.convert(node, Scenario, "old.yaml", strict_yaml.Context(now=NOW))
    assert scenario.name == "x"
    assert strict_yaml.parse_time("-40m", NOW) == NOW - timedelta(minutes=40)
    with pytest.raises(BadInputError, match=r"^scenario old\.yaml: the file is empty$"):
        strict_yaml.load_nodes("", "old.yaml")
    with pytest.raises(BadInputError, match=r"^scenario \(dict\): unknown key 'nme'"):
        strict_yaml.convert(
            strict_yaml.nodes_from_data({"nme": 1}),
            Scenario,
            "(dict)",
            strict_yaml.Context(now=NOW),
        )
