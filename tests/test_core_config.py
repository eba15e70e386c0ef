"""The routing config: loading, validation (every problem, with its line) and routing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from cad_core import Investigation, InvestigationResult
from cad_core.config.routing import (
    RoutingConfig,
    config_path,
    experimental_enabled,
    load_config,
)
from cad_core.errors import BadInputError
from cad_core.run.app import known_investigations, load_routing
from cad_core.testing import inline_plugin

# The alert fields plus the cluster fields cad-ocm registers (upstream's names).
FIELDS = (
    "AlertName",
    "AlertTitle",
    "ServiceName",
    "ClusterID",
    "ClusterName",
    "ClusterState",
    "CloudProvider",
    "HCP",
    "OrganizationID",
    "OwnerID",
    "OwnerEmail",
)
NEWER = (
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
)
INSTALLED = ("precheck", "ccam", "chgm", "clustermonitoringerrorbudgetburn", *NEWER)
ALIASES = {"cmbb": "clustermonitoringerrorbudgetburn"}
EXAMPLE = Path(__file__).resolve().parents[1] / "contrib" / "config" / "routing.yaml"


def _investigations() -> Iterator[Investigation]:
    def nothing(ctx: object) -> InvestigationResult:
        return InvestigationResult()

    yield Investigation(name="precheck", run=nothing)
    yield Investigation(name="ccam", run=nothing)
    yield Investigation(name="chgm", run=nothing, aliases=("chgm",))
    yield Investigation(name="clustermonitoringerrorbudgetburn", run=nothing, aliases=("cmbb",))
    for name in NEWER:  # the contrib example routes them too
        yield Investigation(name=name, run=nothing)


INVESTIGATIONS = inline_plugin("config-test-investigations", cad_investigations=_investigations)


def write(tmp_path: Path, text: str, name: str = "routing.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle`` (so tests survive edits)."""
    seen = 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def problems(
    path: Path,
    known: Sequence[str] | None = INSTALLED,
    aliases: dict[str, str] | None = None,
) -> list[str]:
    """The problems of one failed load, each as ``line N: <path>: <problem>``.

    One problem reads ``routing config FILE, line N: ...``; several read
    ``routing config FILE: K problems: line N: ... | line M: ...``.
    """
    with pytest.raises(BadInputError) as caught:
        load_config(path, known, ALIASES if aliases is None else aliases, FIELDS)
    message = str(caught.value)
    assert "\n" not in message, "every problem must be on one line"
    head = f"routing config {path}"
    assert message.startswith(head), message
    rest = message.removeprefix(head)
    if rest.startswith(", "):
        return [rest.removeprefix(", ")]
    count, _, listed = rest.removeprefix(": ").partition(" problems: ")
    items = listed.split(" | ")
    assert len(items) == int(count) > 1
    return items


def test_valid_config_loads_every_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: "has gone missing"
            name: chgm
            experimental: false
            when:
              field: ClusterState
              operator: notin
              values: ["uninstalling"]
            investigations:
              - precheck
              - {name: ccam}
              - name: chgm
                when: {operator: sample, values: ["0.5"]}
        executors:
          incident_note: "  PagerDuty-Note "
        ai_agent:
          runtime_arn: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x
          user_id: cad
          region: us-east-1
          invoker_role_arn: arn:aws:iam::123456789012:role/invoker
        """,
    )
    config = load_config(path, INSTALLED, ALIASES)
    (route,) = config.alerts
    assert (route.alert_title, route.name, route.experimental) == (
        "has gone missing",
        "chgm",
        False,
    )
    assert route.when == {"field": "ClusterState", "operator": "notin", "values": ["uninstalling"]}
    assert [e.name for e in route.investigations] == ["precheck", "ccam", "chgm"]
    assert [e.when for e in route.investigations] == [
        None,
        None,
        {"operator": "sample", "values": ["0.5"]},
    ]
    assert route.line == line(path, "alert_title")
    assert config.executors == {"incident_note": "pagerduty-note"}
    assert config.source == str(path)


def test_name_defaults_to_alert_title_and_empty_files_are_valid(tmp_path: Path) -> None:
    path = write(tmp_path, "alerts:\n  - alert_title: Foo\n    investigations: [precheck]\n")
    assert load_config(path, INSTALLED).alerts[0].name == "Foo"
    for text in ("", "alerts: []\n", "# only a comment\n"):
        assert load_config(write(tmp_path, text), INSTALLED) == RoutingConfig(source=str(path))


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts: []
        alert:
          - alert_title: typo
        """,
    )
    assert problems(path) == [
        f"line {line(path, 'alert:')}: unknown key 'alert' at the top level "
        "(allowed: alerts, chain_heads, executors, ai_agent)"
    ]


def test_unknown_alert_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigation: [precheck]
            investigations: [precheck]
        """,
    )
    assert problems(path) == [
        f"line {line(path, 'investigation:')}: unknown key 'investigation' in alerts[0] "
        "(allowed: alert_title, name, experimental, when, investigations, on_failure, mode)"
    ]


@pytest.mark.parametrize(
    "title", ["", "'   '", "null", "''"], ids=["empty", "blank", "null", "quoted"]
)
def test_blank_or_missing_alert_title(tmp_path: Path, title: str) -> None:
    path = write(tmp_path, f"alerts:\n  - investigations: [precheck]\n    alert_title: {title}\n")
    assert problems(path) == [
        f"line {line(path, 'investigations')}: alerts[0]: alert_title is required "
        "(a substring of the incident title)"
    ]
    missing = write(tmp_path, "alerts:\n  - name: x\n    investigations: [precheck]\n")
    assert problems(missing) == [
        "line 2: alerts[0]: alert_title is required (a substring of the incident title)"
    ]


def test_duplicate_alert_title_points_at_the_second_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigations: [precheck]
          - alert_title: foo
            investigations: [precheck]
          - alert_title: Foo
            investigations: [ccam]
        """,
    )
    # Exact string comparison, as upstream: "foo" is not a duplicate of "Foo".
    assert problems(path) == [
        f"line {line(path, 'alert_title: Foo', 2)}: alerts[2]: alert_title 'Foo' appears twice; "
        "keep one entry per title"
    ]


def test_two_entries_without_title_are_not_reported_as_duplicates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - investigations: [precheck]
          - investigations: [ccam]
        """,
    )
    assert problems(path) == [
        "line 2: alerts[0]: alert_title is required (a substring of the incident title)",
        "line 3: alerts[1]: alert_title is required (a substring of the incident title)",
    ]


@pytest.mark.parametrize(
    ("investigations", "problem"),
    [
        ("[]", "alerts[0]: investigations must be a non-empty list"),
        ("null", "alerts[0]: investigations must be a non-empty list"),
        ("precheck", "alerts[0].investigations: expected a list, got string 'precheck'"),
        ("{name: precheck}", "alerts[0].investigations: expected a list, got a mapping"),
    ],
    ids=["empty", "null", "string", "mapping"],
)
def test_investigations_must_be_a_non_empty_list(
    tmp_path: Path, investigations: str, problem: str
) -> None:
    path = write(tmp_path, f"alerts:\n  - alert_title: Foo\n    investigations: {investigations}\n")
    assert problems(path) == [f"line 3: {problem}"]
    absent = write(tmp_path, "alerts:\n  - alert_title: Foo\n")
    assert problems(absent) == ["line 2: alerts[0]: investigations must be a non-empty list"]


def test_unknown_investigation_lists_the_installed_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigations: [precheck, chgmm]
          - alert_title: Bar
            investigations:
              - precheck
              - {name: nope}
        """,
    )
    installed = ", ".join(sorted(INSTALLED))
    assert problems(path) == [
        f"line {line(path, 'chgmm')}: alerts[0].investigations[1]: unknown investigation "
        f"'chgmm'; installed: {installed}",
        f"line {line(path, 'nope')}: alerts[1].investigations[1]: unknown investigation "
        f"'nope'; installed: {installed}",
    ]


def test_unknown_plain_string_entry_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigations:
              - precheck
              - ccam
              - chgmm
        """,
    )
    (problem,) = problems(path)
    assert problem.startswith(f"line {line(path, 'chgmm')}: ")


def test_entry_without_a_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigations:
              - {when: {operator: sample, values: ["1"]}}
              - {name: precheck, whenn: {}}
          - alert_title: Bar
            investigations: [precheck, 7, "  "]
        """,
    )
    flow = line(path, "[precheck, 7")
    assert problems(path) == [
        f"line {line(path, 'when: {operator')}: alerts[0].investigations[0]: missing required "
        "key 'name'",
        f"line {line(path, 'whenn')}: unknown key 'whenn' in alerts[0].investigations[1] "
        "(allowed: name, when)",
        f"line {flow}: alerts[1].investigations[1].name: expected a string, got integer 7 "
        "(quote it to make it a string)",
        f"line {flow}: alerts[1].investigations[2]: needs an investigation name",
    ]


def test_aliases_resolve_to_the_investigation_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: ClusterMonitoringErrorBudgetBurnSRE
            investigations: [precheck, CMBB, {name: " cmbb "}]
        """,
    )
    route = load_config(path, INSTALLED, ALIASES).alerts[0]
    assert [e.name for e in route.investigations] == [
        "precheck",
        "clustermonitoringerrorbudgetburn",
        "clustermonitoringerrorbudgetburn",
    ]


def test_installed_investigations_and_aliases_come_from_the_registry(
    tmp_path: Path, cad_registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = cad_registry(INVESTIGATIONS)
    names, aliases = known_investigations(registry)
    assert sorted(names) == sorted(INSTALLED)
    assert aliases == {"cmbb": "clustermonitoringerrorbudgetburn"}
    path = write(tmp_path, "alerts:\n  - alert_title: x\n    investigations: [cmbb, ghost]\n")
    with pytest.raises(
        BadInputError, match="unknown investigation 'ghost'; installed: .*ccam, chgm"
    ):
        load_routing(registry, str(path), required=True)
    monkeypatch.setenv("CAD_INVESTIGATION_CONFIG_PATH", str(EXAMPLE))
    assert [r.name for r in load_routing(registry, None, required=True).alerts] == [
        "chgm",
        "clustermonitoringerrorbudgetburn",
        "machinehealthcheckunterminatedshortcircuitsre",
        "pdbblockingnodedrain",
        "etcddatabasequotalowspace",
        "restartcontrolplane",
        "mustgather",
        "expiredcertificates",
        "ClusterProvisioningDelay",
        "upgradeconfigsyncfailureover4hr",
        "insightsoperatordown",
        "cannotretrieveupdatessre",
        "ocmagentresponsefailure",
        "consoleerrorbudgetburn",
    ]


def test_missing_config_in_incident_mode_is_one_clear_error(
    cad_registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAD_INVESTIGATION_CONFIG_PATH", raising=False)
    registry = cad_registry(INVESTIGATIONS)
    assert load_routing(registry, None, required=False) == RoutingConfig()
    with pytest.raises(BadInputError) as caught:
        load_routing(registry, None, required=True)
    assert "--config" in str(caught.value)
    assert "CAD_INVESTIGATION_CONFIG_PATH" in str(caught.value)


def test_config_path_flag_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAD_INVESTIGATION_CONFIG_PATH", raising=False)
    assert config_path(None) is None
    assert config_path("") is None
    monkeypatch.setenv("CAD_INVESTIGATION_CONFIG_PATH", "/env.yaml")
    assert config_path(None) == "/env.yaml"
    assert config_path("/flag.yaml") == "/flag.yaml"
    monkeypatch.setenv("CAD_INVESTIGATION_CONFIG_PATH", "")
    assert config_path(None) is None


BAD_WHEN = [
    ("{and: [], or: []}", "when: has both 'and' and 'or'; nest one inside the other"),
    (
        "{and: [{operator: sample, values: ['1']}], operator: in}",
        "when: mixes 'and' with 'operator'; use one per node",
    ),
    ("{}", "when: needs 'and', 'or' or 'operator'"),
    ("{field: ClusterID}", "when: needs 'and', 'or' or 'operator'"),
    ("[x]", "when: must be a mapping with 'and', 'or' or 'operator'"),
    ("{or: []}", "when.or: must be a non-empty list of filters"),
    ("{and: {field: HCP}}", "when.and: must be a non-empty list of filters"),
    (
        "{and: [{operator: sample, values: ['1']}], extra: 1}",
        "when: unexpected key(s) extra",
    ),
    (
        "{field: HCP, operator: eq, values: ['true']}",
        "when: unknown operator 'eq'; use one of in, notin, matches, notmatches, sample",
    ),
    (
        "{field: Cluster, operator: in, values: [a]}",
        "when.field: 'Cluster' is not a field; use one of AlertName, AlertTitle, CloudProvider, "
        "ClusterID, ClusterName, ClusterState, HCP, OrganizationID, OwnerEmail, OwnerID, "
        "ServiceName",
    ),
    (
        "{operator: in, values: [a]}",
        "when.field: None is not a field; use one of AlertName",
    ),
    ("{field: HCP, operator: in, values: []}", "when.values: must be a non-empty list of strings"),
    ("{field: HCP, operator: in}", "when.values: must be a non-empty list of strings"),
    (
        "{field: HCP, operator: in, values: [false]}",
        "when.values: must be a non-empty list of strings (quote numbers)",
    ),
    (
        "{field: HCP, operator: in, values: [a], op: x}",
        "when: unexpected key(s) op",
    ),
    (
        "{field: ClusterName, operator: matches, values: ['(']}",
        "when.values: '(' is not a valid regex: missing ), unterminated subpattern",
    ),
    (
        "{field: ClusterName, operator: notmatches, values: ['ok', '[z-a]']}",
        "when.values: '[z-a]' is not a valid regex: bad character range",
    ),
    (
        "{field: ClusterID, operator: sample, values: ['0.5']}",
        "when: 'sample' takes no field",
    ),
    ("{operator: sample, values: ['0.1', '0.2']}", "when.values: 'sample' takes exactly one rate"),
    ("{operator: sample, values: ['ten']}", "when.values: sample rate 'ten' is not a number"),
    ("{operator: sample, values: ['1.5']}", "when.values: sample rate 1.5 must be between 0 and 1"),
    ("{operator: sample, values: [0.5]}", "when.values: must be a non-empty list of strings"),
    (
        "{and: [{operator: sample, values: ['1']}, {or: [{field: X, operator: in, values: [a]}]}]}",
        "when.and[1].or[0].field: 'X' is not a field",
    ),
]


@pytest.mark.parametrize(("when", "expected"), BAD_WHEN)
def test_bad_alert_level_when(tmp_path: Path, when: str, expected: str) -> None:
    path = write(
        tmp_path,
        f"""
        alerts:
          - alert_title: Foo
            investigations: [precheck]
            when: {when}
        """,
    )
    (problem,) = problems(path)
    assert problem.startswith(f"line {line(path, 'when:')}: alerts[0].{expected}")


@pytest.mark.parametrize(("when", "expected"), BAD_WHEN[:6])
def test_bad_entry_level_when(tmp_path: Path, when: str, expected: str) -> None:
    path = write(
        tmp_path,
        f"""
        alerts:
          - alert_title: Foo
            investigations:
              - precheck
              - name: ccam
                when: {when}
        """,
    )
    (problem,) = problems(path)
    # The line of the entry's `when` key, the closest line to the mistake.
    assert problem.startswith(
        f"line {line(path, 'name: ccam') + 1}: alerts[0].investigations[1].{expected}"
    )


def test_experimental_must_be_a_boolean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            investigations: [precheck]
            experimental: "true"
        """,
    )
    assert problems(path) == [
        f"line {line(path, 'experimental')}: alerts[0].experimental: expected true or false, "
        "got string 'true'"
    ]


def test_ai_agent_is_accepted_and_ignored(tmp_path: Path) -> None:
    # Upstream's AI agent settings: accepted so an upstream config loads unchanged, unused.
    path = write(
        tmp_path,
        """
        alerts: []
        ai_agent:
          runtime_arn: arn:x
          region: "  "
          timeout_seconds: 0
        """,
    )
    assert load_config(path, INSTALLED) == RoutingConfig(source=str(path))
    scalar = write(tmp_path, "ai_agent: yes\n")
    assert problems(scalar) == ["line 1: ai_agent: expected a mapping, got boolean True"]


@pytest.mark.parametrize(
    ("executors", "problem"),
    [
        ("[pagerduty-note]", "executors: expected a mapping, got a list"),
        ("pagerduty-note", "executors: expected a mapping, got string 'pagerduty-note'"),
        (
            "{incident_note: 5}",
            "executors.incident_note: expected a string, got integer 5 "
            "(quote it to make it a string)",
        ),
        ("{incident_note: [a, b]}", "executors.incident_note: expected a string, got list"),
    ],
)
def test_bad_executors_mapping(tmp_path: Path, executors: str, problem: str) -> None:
    path = write(tmp_path, f"alerts: []\nexecutors: {executors}\n")
    (found,) = problems(path)
    assert found.startswith(f"line 2: {problem}")


def test_every_problem_is_reported_at_once_on_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        bogus: 1
        executors: [x]
        ai_agent: r
        alerts:
          - alert_title: Foo
            investigations: [precheck, nope]
            colour: red
          - alert_title: Foo
            investigations: []
            when: {field: Nope, operator: in, values: [a]}
          - alert_title: Bar
            investigations: [precheck, {name: ghost, when: {operator: in}}]
        """,
    )
    found = problems(path)
    expected_fragments = [
        "unknown key 'bogus'",
        "executors: expected a mapping",
        "ai_agent: expected a mapping",
        "unknown key 'colour' in alerts[0]",
        "alerts[0].investigations[1]: unknown investigation 'nope'",
        "alerts[1]: investigations must be a non-empty list",
        "alerts[1].when.field: 'Nope' is not a field",
        "alerts[2].investigations[1]: unknown investigation 'ghost'",
        "alerts[2].investigations[1].when.values: must be a non-empty list",
    ]
    assert len(found) == len(expected_fragments), found
    for fragment in expected_fragments:
        assert sum(fragment in p for p in found) == 1, fragment
    assert all(p.startswith("line ") for p in found)


def test_a_non_mapping_document_is_one_error(tmp_path: Path) -> None:
    path = write(tmp_path, "- alert_title: Foo\n")
    assert problems(path) == ["line 1: expected a mapping, got a list"]
    listed = write(tmp_path, "alerts: {alert_title: Foo}\n")
    assert problems(listed) == ["line 1: alerts: expected a list, got a mapping"]


@pytest.mark.parametrize(
    ("text", "bad_line", "problem"),
    [
        ("alerts:\n  - alert_title: [Foo\n", 3, "expected ',' or ']'"),
        ("alerts:\n  - alert_title: Foo\n    investigations: a: b\n", 3, "mapping values"),
        ("alerts:\n\t- x\n", 2, "found character '\\t' that cannot start any token"),
        ("alerts: 'open\n", 2, "found unexpected end of stream"),
    ],
)
def test_invalid_yaml_names_the_line(
    tmp_path: Path, text: str, bad_line: int, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BadInputError) as caught:
        load_config(path, INSTALLED)
    message = str(caught.value)
    assert message.startswith(f"routing config {path}, line {bad_line}: invalid YAML: ")
    assert problem in message
    assert "\n" not in message


def test_yaml_aliases_are_refused_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        alerts:
          - alert_title: Foo
            when: &leaf {field: HCP, operator: in, values: ["true"]}
            investigations: [precheck]
          - alert_title: Bar
            when: *leaf
            investigations: [precheck]
        """,
    )
    with pytest.raises(BadInputError) as caught:
        load_config(path, INSTALLED)
    assert str(caught.value) == (
        f"routing config {path}, line {line(path, '*leaf')}: "
        "YAML aliases (*leaf) are not accepted; write the value out"
    )


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(BadInputError) as caught:
        load_config(missing, INSTALLED)
    assert (
        str(caught.value) == f"routing config {missing}: cannot read it: No such file or directory"
    )
    with pytest.raises(BadInputError) as caught:
        load_config(tmp_path, INSTALLED)
    assert str(caught.value) == f"routing config {tmp_path}: cannot read it: Is a directory"


def test_a_file_that_is_not_utf8_is_bad_input(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00alerts: []\n")
    with pytest.raises(BadInputError, match=str(binary)):
        load_config(binary, INSTALLED)


# -- routing --------------------------------------------------------------------------


ROUTES = """
alerts:
  - alert_title: gone missing
    name: first
    investigations: [precheck]
  - alert_title: HAS GONE MISSING
    name: second
    investigations: [chgm]
  - alert_title: ErrorBudgetBurn
    name: budget-experimental
    experimental: true
    investigations: [precheck]
  - alert_title: errorbudgetburnsre
    name: budget
    investigations: [cmbb]
"""


@pytest.fixture
def routes(tmp_path: Path) -> RoutingConfig:
    return load_config(write(tmp_path, ROUTES), INSTALLED, ALIASES)


@pytest.mark.parametrize(
    ("title", "experimental", "expected"),
    [
        ("cluster-a has gone missing", False, "first"),
        ("CLUSTER-A HAS GONE MISSING", False, "first"),
        ("cluster-a has gone Missing", True, "first"),
        ("ClusterMonitoringErrorBudgetBurnSRE Critical (1)", False, "budget"),
        ("ClusterMonitoringErrorBudgetBurnSRE Critical (1)", True, "budget-experimental"),
        ("ErrorBudgetBurn (no SRE suffix)", False, None),
        ("ErrorBudgetBurn (no SRE suffix)", True, "budget-experimental"),
        ("gone  missing", False, None),
        ("", False, None),
    ],
)
def test_first_match_in_file_order_case_insensitive_substring(
    routes: RoutingConfig, title: str, experimental: bool, expected: str | None
) -> None:
    match = routes.match(title, experimental)
    assert (match.name if match else None) == expected


def test_explain_gives_each_entry_up_to_the_match(routes: RoutingConfig) -> None:
    title = "ClusterMonitoringErrorBudgetBurnSRE"
    assert [(r.name, why) for r, why in routes.explain(title, False)] == [
        ("first", "title does not contain alert_title"),
        ("second", "title does not contain alert_title"),
        ("budget-experimental", "experimental, and CAD_EXPERIMENTAL_ENABLED is off"),
        ("budget", "matches"),
    ]
    assert [why for _r, why in routes.explain("cluster-a has gone missing", False)] == ["matches"]
    assert RoutingConfig().match("anything", True) is None


@pytest.mark.parametrize("value", ["1", "t", "T", "TRUE", "true", "True"])
def test_experimental_truth_values(
    routes: RoutingConfig, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CAD_EXPERIMENTAL_ENABLED", value)
    assert experimental_enabled() is True
    match = routes.match("ErrorBudgetBurnSRE", experimental_enabled())
    assert match is not None and match.name == "budget-experimental"


@pytest.mark.parametrize(
    "value", ["", "0", "f", "false", "False", "yes", "on", "tRUE", "TrUe", " true", "true ", "2"]
)
def test_experimental_other_values_are_off(
    routes: RoutingConfig, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CAD_EXPERIMENTAL_ENABLED", value)
    assert experimental_enabled() is False
    match = routes.match("ErrorBudgetBurnSRE", experimental_enabled())
    assert match is not None and match.name == "budget"


def test_experimental_unset_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAD_EXPERIMENTAL_ENABLED", raising=False)
    assert experimental_enabled() is False


def test_the_contrib_example_is_valid_and_routes_the_standard_alerts() -> None:
    from cad_core.run.chains import with_heads

    config = load_config(EXAMPLE, INSTALLED, ALIASES)
    assert config.chain_heads == ("precheck", "ccam")
    chains = {
        r.name: [e.name for e in with_heads(r.investigations, config.chain_heads)]
        for r in config.alerts
    }
    assert chains == {
        "chgm": ["precheck", "ccam", "chgm"],
        "clustermonitoringerrorbudgetburn": [
            "precheck",
            "ccam",
            "clustermonitoringerrorbudgetburn",
        ],
        "machinehealthcheckunterminatedshortcircuitsre": [
            "precheck",
            "ccam",
            "machinehealthcheckunterminatedshortcircuitsre",
        ],
        "pdbblockingnodedrain": ["precheck", "ccam", "pdbblockingnodedrain"],
        "etcddatabasequotalowspace": ["precheck", "ccam", "etcddatabasequotalowspace"],
        "restartcontrolplane": ["precheck", "ccam", "restartcontrolplane"],
        "mustgather": ["precheck", "ccam", "mustgather"],
        "expiredcertificates": ["precheck", "ccam", "expiredcertificates"],
        "ClusterProvisioningDelay": ["precheck", "ccam", "cpd"],
        "upgradeconfigsyncfailureover4hr": ["precheck", "ccam", "upgradeconfigsyncfailureover4hr"],
        "insightsoperatordown": ["precheck", "ccam", "insightsoperatordown"],
        "cannotretrieveupdatessre": ["precheck", "ccam", "cannotretrieveupdatessre"],
        "ocmagentresponsefailure": ["precheck", "ccam", "ocmagentresponsefailure"],
        "consoleerrorbudgetburn": ["precheck", "ccam", "consoleerrorbudgetburn"],
    }
    missing = config.match("cluster-a has gone missing", False)
    assert missing is not None and missing.name == "chgm"
    budget = config.match("ClusterMonitoringErrorBudgetBurnSRE Critical (1)", False)
    assert budget is not None and budget.name == "clustermonitoringerrorbudgetburn"
    drain = config.match("hcpnodepoolupgradedelay for cluster-a", False)  # any letter case
    assert drain is not None and drain.name == "pdbblockingnodedrain"
    assert config.executors == {}


def alias_bomb() -> str:
    """A small routing config whose nested aliases would expand to 10^8 filter leaves."""
    levels = "abcdefghi"
    items = ['        - &a {field: HCP, operator: in, values: ["true"]}']
    for previous, current in zip(levels, levels[1:], strict=False):
        items.append(f"        - &{current} {{and: [{','.join([f'*{previous}'] * 10)}]}}")
    head = "alerts:\n  - alert_title: Foo\n    investigations: [precheck]\n    when:\n      and:\n"
    return head + "\n".join(items) + "\n"


def test_an_alias_bomb_is_refused_at_once_by_config_check(tmp_path: Path) -> None:
    # Regression: `cad config check` used to walk every expanded leaf (10^8) before answering.
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    assert len(path.read_bytes()) < 600
    cad = Path(sys.executable).with_name("cad")
    done = subprocess.run(
        [str(cad), "config", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,  # a guard against hanging the suite, not a timing assertion
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"cad: error: routing config {path}, line 7: "
        "YAML aliases (*a) are not accepted; write the value out"
    ]


def test_chain_heads_on_failure_and_mode(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        chain_heads: [precheck, CCAM, precheck]
        alerts:
          - alert_title: Foo
            investigations: [chgm]
            on_failure: stop
            mode: inform
        """,
    )
    config = load_config(path, INSTALLED, ALIASES)
    assert config.chain_heads == ("precheck", "ccam")
    (route,) = config.alerts
    assert (route.on_failure, route.mode) == ("stop", "inform")
    bad = write(
        tmp_path,
        """
        chain_heads: [precheck, ghost, {name: ccam, when: {operator: sample, values: ["1"]}}]
        alerts:
          - alert_title: Foo
            investigations: [chgm]
            on_failure: halt
            mode: Live
        """,
    )
    found = problems(bad)
    assert found[0].startswith("line 1: chain_heads[1]: unknown investigation 'ghost'")
    assert found[1] == "line 1: chain_heads[2]: a chain head takes no 'when'; give its name only"
    assert found[2:] == [
        "line 5: alerts[0].on_failure: expected one of 'continue', 'stop', got string 'halt'",
        "line 6: alerts[0].mode: expected one of 'live', 'inform', got string 'Live'",
    ]
