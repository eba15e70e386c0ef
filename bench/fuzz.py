"""Fuzz: bad input of every kind must end in success or exit 2 with one line, never a traceback.

What it measures: hypothesis generates ``--examples`` inputs (default 2500) for each kind,
10,000 in all, and feeds each to the product the way a user would, in-process
(``cad_core.cli.commands.main`` with stdout/stderr captured, SystemExit caught):

* ``payload``: webhook bodies for ``cad route --payload-path FILE --config <sandbox
  routing>`` with no PagerDuty settings, so nothing leaves the process: random JSON,
  mutated reference webhooks (``../shared/reference`` beside the repository, when present:
  PagerDuty v3 deliveries, the Event Orchestration body) and sandbox-made ones, each sent
  as JSON, base64 (plain or line-wrapped), truncated, BOM/whitespace-padded, UTF-16,
  deeply nested, or as garbage bytes;
* ``payload-live``: the same generator through ``cad route`` against a running sandbox
  world (PagerDuty simulator on 127.0.0.1), so bodies that parse reach the REST lookups;
* ``config``: routing configs for ``cad config check FILE``: the bundled and example
  configs mutated (keys deleted/renamed, wrong types, random ``when`` filter trees with bad
  operators, regexes and sample rates), random YAML documents, YAML text damage, garbage;
* ``scenario``: sandbox scenario files for ``cad_sandbox.scenario.load_scenario`` (the first
  step of ``cad sandbox run``), then ``World`` and the webhook built from what loaded: the
  bundled scenarios mutated (keys deleted/renamed, wrong types, bad times), YAML text damage,
  garbage. Only ``BadInputError`` may escape (the CLI turns it into one line and exit 2).

A CLI input passes when it exits 0, or exits 2 with exactly one line on stderr starting with
``cad: error:``; nothing may print a traceback. Failures are grouped by signature (exit code
plus the first stderr line with ids and numbers masked) and printed with one example each;
``--save-failures DIR`` keeps every failing input. Exit 1 when any input failed.

    .venv/bin/python bench/fuzz.py [--examples 2500] [--kinds payload,config] [--seed 1]

The generators and checkers are importable (tests/test_core_fuzz_sample.py runs a few hundred
inputs of the offline kinds in the normal test suite).
"""

from __future__ import annotations

import argparse
import base64
import codecs
import contextlib
import copy
import dataclasses
import functools
import io
import json
import logging
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from cad_core.config import filters

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ itself, for _common
from _common import REFERENCE, REPO, environ  # noqa: E402 - needs the line above

EXAMPLE_ROUTING = REPO / "contrib" / "config" / "routing.yaml"
KINDS = ("payload", "payload-live", "config", "scenario")
OFFLINE_KINDS = ("payload", "config", "scenario")
TRACEBACK = "Traceback (most recent call last)"
PD_SETTINGS = ("CAD_PD_TOKEN", "CAD_PD_URL", "CAD_PD_FROM", "CAD_SILENT_POLICY")
BIGNUM = "__cad_fuzz_bignum__"  # replaced by a 5,000-digit number after json.dumps

# ---------------------------------------------------------------------------------------------
# generic values and tree mutations
# ---------------------------------------------------------------------------------------------

NASTY_TEXT = (
    "",
    " ",
    "\n",
    "\t",
    "\x00",
    "ü🚨\u202e",
    "x" * 5000,
    "%s%n{0}",
    "../../etc/passwd",
    "'\"`",
    "${HOME}",
    "null",
    "true",
    "0x1F",
    "1e999",
    "-40m",
    "has gone missing",
    "ClusterMonitoringErrorBudgetBurnSRE",
    "incident",
    BIGNUM,
)
NASTY = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.sampled_from([None, True, False, 0, -1, 2**63, -(2**64), 1.5, float("inf"), [], {}]),
    st.sampled_from([float("nan"), [None], {"": None}, [[[]]], {"a": {"b": {"c": {}}}}]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    NASTY,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIXED_ZONES = [UTC, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14)), None]
YAML_SCALARS = st.one_of(
    SCALARS,
    st.dates(),
    st.datetimes(timezones=st.sampled_from(FIXED_ZONES)),
    st.binary(max_size=8),
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(st.text(max_size=12), st.integers(), st.booleans()), inner, max_size=4
        )
    ),
    max_leaves=12,
)

Path_ = tuple[Any, ...]


def locations(tree: Any, here: Path_ = ()) -> list[Path_]:
    """Every path to a node of a JSON/YAML-like tree, the root included."""
    found = [here]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += locations(value, (*here, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += locations(value, (*here, index))
    return found


def get_at(tree: Any, path: Path_) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def set_at(tree: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    get_at(tree, path[:-1])[path[-1]] = value
    return tree


def near_miss(key: str) -> list[str]:
    """Typos a person makes: case, a missing or doubled letter, a swapped pair, spaces."""
    if not key:
        return ["_"]
    swapped = key[1] + key[0] + key[2:] if len(key) > 1 else key + key
    return [key.upper(), key[:-1], key + key[-1], swapped, f" {key}", key.replace("_", "-")]


def text_damage(text: str, draw: Callable[..., Any]) -> str:
    junk = [
        ":",
        "- ",
        "\t",
        "{",
        "[",
        "]",
        "}",
        "&a ",
        "*a",
        "!!python/object:os.system ",
        "!!binary ",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "? ",
        "|",
        ">",
        '"',
        "'",
        "#",
        "\x00",
        "\ufeff",
        "\r",
        "\\",
        ",",
        "  ",
        "\n  - ",
        "<<: *a\n",
        "!!int ",
        "!!timestamp ",
    ]
    op = draw(st.sampled_from(["truncate", "delete", "insert", "dupline", "indent"]))
    if not text:
        return draw(st.sampled_from(junk))
    at = draw(st.integers(0, len(text)))
    if op == "truncate":
        return text[:at]
    if op == "delete":
        return text[:at] + text[at + draw(st.integers(1, 20)) :]
    if op == "insert":
        return text[:at] + draw(st.sampled_from(junk) | st.text(max_size=5)) + text[at:]
    lines = text.split("\n")
    line = draw(st.integers(0, len(lines) - 1))
    if op == "dupline":
        lines.insert(line, lines[line])
    else:
        lines[line] = draw(st.sampled_from(["", " ", "  ", "\t"])) + lines[line].lstrip(" ")
    return "\n".join(lines)


SHORT_TEXT = st.text(max_size=12)


def fresh(draw: Callable[..., Any], strategy: st.SearchStrategy[Any]) -> Any:
    """A private copy of a drawn value: ``sampled_from`` hands out the same ``[]`` or ``{}``
    every time, and a later edit must not change it (hypothesis calls that flaky)."""
    return copy.deepcopy(draw(strategy))


@st.composite
def mutated(
    draw: Callable[..., Any],
    base: Any,
    values: st.SearchStrategy[Any] = JSON_VALUES,
    keys: st.SearchStrategy[Any] = SHORT_TEXT,
    special: Mapping[str, Callable[[Any, Path_, Callable[..., Any]], Any]] | None = None,
) -> Any:
    """``base`` with 1-4 random edits: delete, replace, rename, wrap, unwrap, insert,
    duplicate, text or number changes, plus any ``special`` edits (name -> function)."""
    tree = copy.deepcopy(base)
    ops = ["delete", "replace", "rename", "wrap", "unwrap", "insert", "duplicate", "scalar"]
    ops += list(special or {})
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(locations(tree)))
        op = draw(st.sampled_from(ops))
        node = get_at(tree, path)
        parent = get_at(tree, path[:-1]) if path else None
        if special and op in special:
            tree = special[op](tree, path, draw)
        elif op == "delete" and path:
            del parent[path[-1]]
        elif op == "replace":
            tree = set_at(tree, path, fresh(draw, values))
        elif op == "rename" and isinstance(parent, dict):
            old = path[-1]
            new = draw(st.sampled_from(near_miss(str(old))) | keys)
            parent[new] = parent.pop(old)
        elif op == "wrap":
            tree = set_at(tree, path, [node])
        elif op == "unwrap" and isinstance(node, list | dict) and node:
            inner = node[0] if isinstance(node, list) else next(iter(node.values()))
            tree = set_at(tree, path, inner)
        elif op == "insert" and isinstance(node, dict):
            node[draw(keys)] = fresh(draw, values)
        elif op == "insert" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), fresh(draw, values))
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(node))
        elif op == "scalar" and isinstance(node, str):
            tree = set_at(tree, path, text_damage(node, draw))
        elif op == "scalar" and isinstance(node, bool | int | float):
            tree = set_at(tree, path, draw(st.sampled_from([-1, 0, 2**31, 1.5, "1", True, None])))
    return tree


def dump_json(value: Any, draw: Callable[..., Any]) -> bytes:
    text = json.dumps(
        value, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans())
    )
    return text.replace(f'"{BIGNUM}"', "1" * 5000).encode("utf-8", "surrogatepass")


def dump_yaml(value: Any, draw: Callable[..., Any]) -> bytes:
    try:
        text = yaml.safe_dump(value, allow_unicode=draw(st.booleans()), sort_keys=False)
    except (yaml.YAMLError, ValueError, TypeError):
        text = repr(value)
    text = text.replace(BIGNUM, "1" * 5000)
    if draw(st.integers(0, 4)) == 0:
        text = text_damage(text, draw)
    return text.encode("utf-8", "surrogatepass")


def deep_nesting(draw: Callable[..., Any], opener: str, closer: str = "") -> bytes:
    depth = draw(st.sampled_from([50, 500, 5_000, 50_000]))
    return (opener * depth + closer * depth * draw(st.sampled_from([0, 1]))).encode()


GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [b"", b" ", b"\n", b"\xff\xfe\x00", b"\xef\xbb\xbf", b"\x00" * 64, b"\xc3\x28"]
    ),
)

# ---------------------------------------------------------------------------------------------
# payloads
# ---------------------------------------------------------------------------------------------


def reference_webhooks(extra: list[Any] | None = None) -> list[Any]:
    """The real webhook bodies in the shared reference folder, plus ``extra`` (sandbox-made).

    The shared folder sits beside the repository; without it only ``extra`` is used.
    """
    bases: list[Any] = []
    for path in sorted(REFERENCE.glob("pagerduty_webhook_v3_*.json")):
        data = json.loads(path.read_text())
        if "event" in data:
            bases.append(data)
        elif data.get("type") == "incident":  # event data alone: deliver it as PagerDuty would
            bases.append(
                {
                    "event": {
                        "event_type": "incident.triggered",
                        "resource_type": "incident",
                        "data": data,
                    }
                }
            )
        else:
            bases.append(data)
    orchestration = REFERENCE / "pagerduty_event_orchestration_webhook_pd_metadata.json"
    if orchestration.exists():
        bases.append(json.loads(orchestration.read_text()))
    return bases + list(extra or [])


def sandbox_webhooks() -> list[Any]:
    """A v3 and an Event Orchestration body for the bundled CHGM example's incident."""
    from cad_sandbox.scenario import bundled_examples, load_scenario

    scenario = load_scenario(bundled_examples()["chgm-customer-stopped-instances"])
    v3 = json.loads(scenario.webhook_body())
    return [v3, {"__pd_metadata": {"incident": {"id": scenario.pagerduty.incident.id}}}]


@st.composite
def payloads(draw: Callable[..., Any], bases: list[Any]) -> bytes:
    """One webhook payload file's bytes."""
    source = draw(st.sampled_from(["mutated", "mutated", "mutated", "random", "garbage", "nested"]))
    if source == "garbage":
        return draw(GARBAGE)
    if source == "nested":
        return deep_nesting(
            draw, *draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"event":', "}")]))
        )
    value = draw(JSON_VALUES) if source == "random" else draw(mutated(draw(st.sampled_from(bases))))
    body = dump_json(value, draw)
    wrapping = draw(
        st.sampled_from(
            ["json", "json", "base64", "base64-lines", "truncate", "pad", "utf16", "bad-utf8"]
        )
    )
    if wrapping == "base64":
        return base64.b64encode(body)
    if wrapping == "base64-lines":
        return base64.encodebytes(body)
    if wrapping == "truncate":
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if wrapping == "pad":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b" \n\t", b"\n\n"])) + body + b"\n"
    if wrapping == "utf16":
        return codecs.BOM_UTF16_LE + body.decode("utf-8", "surrogatepass").encode(
            "utf-16-le", "surrogatepass"
        )
    if wrapping == "bad-utf8":
        at = draw(st.integers(0, len(body)))
        return body[:at] + b"\xff\xc3" + body[at:]
    return body


# ---------------------------------------------------------------------------------------------
# routing configs
# ---------------------------------------------------------------------------------------------

# The alert's fields plus the cluster fields cad-ocm registers (upstream's names).
CLUSTER_FIELDS = ("ClusterID", "ClusterName", "OrganizationID", "OwnerID", "OwnerEmail")
FIELDS = (*filters.ALERT_FIELDS, *CLUSTER_FIELDS, "CloudProvider", "HCP", "ClusterState")
OPERATORS = filters.OPERATORS
REGEXES = ("^a", "(", "[", "*", "a{2,1}", "(?P<x>", "\\", "(?<=a+)b", "a" * 300, "(a*)*$", ".*")
FILTER_VALUES = st.one_of(
    st.lists(
        st.text(max_size=10) | st.sampled_from(REGEXES + ("0.5", "-1", "2", "nan", "1e999")),
        max_size=3,
    ),
    st.sampled_from([None, "aws", 1, [1], [True], [None], {}, [[]]]),
)
LEAVES = st.fixed_dictionaries(
    {},
    optional={
        "field": st.sampled_from(FIELDS) | st.text(max_size=8) | st.integers(),
        "operator": st.sampled_from(OPERATORS)
        | st.text(max_size=6)
        | st.sampled_from([None, 1, []]),
        "values": FILTER_VALUES,
        "extra": st.text(max_size=4),
    },
)
FILTERS = st.recursive(
    LEAVES | st.sampled_from([None, "and", [], {}, 1]),
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {"and": st.lists(inner, max_size=3)},
            optional={
                "or": st.lists(inner, max_size=3),
                "operator": st.sampled_from(OPERATORS),
                "x": st.integers(),
            },
        ),
        st.fixed_dictionaries(
            {"or": st.lists(inner, max_size=3) | SCALARS},
            optional={"field": st.sampled_from(FIELDS)},
        ),
    ),
    max_leaves=8,
)
INVESTIGATIONS = (
    "precheck",
    "ccam",
    "chgm",
    "clustermonitoringerrorbudgetburn",
    "cmbb",
    "CHGM",
    "nope",
    "",
)


@functools.cache
def sandbox_routing() -> Path:
    """The routing config `cad sandbox run` uses: made from the installed plugins' routes."""
    from cad_sandbox.routes import routing_file

    return Path(routing_file())


@functools.cache
def config_bases() -> list[Any]:
    bases = [yaml.safe_load(sandbox_routing().read_text())]
    if EXAMPLE_ROUTING.exists():
        bases.append(yaml.safe_load(EXAMPLE_ROUTING.read_text()))
    bases.append(
        {
            "alerts": [
                {
                    "alert_title": "ClusterMonitoringErrorBudgetBurnSRE",
                    "name": "cmbb",
                    "experimental": True,
                    "when": {
                        "and": [{"field": "CloudProvider", "operator": "in", "values": ["aws"]}]
                    },
                    "investigations": [
                        "precheck",
                        {"name": "cmbb", "when": {"operator": "sample", "values": ["0.1"]}},
                    ],
                }
            ],
            "executors": {"incident_note": "pagerduty-note"},
            "ai_agent": {
                "runtime_arn": "arn:x",
                "region": "us-east-1",
                "user_id": "u",
                "invoker_role_arn": "arn:y",
            },
        }
    )
    return bases


def _set_filter(tree: Any, path: Path_, draw: Callable[..., Any]) -> Any:
    node = get_at(tree, path)
    if isinstance(node, dict):
        node["when"] = fresh(draw, FILTERS)
    return tree


def _set_investigations(tree: Any, path: Path_, draw: Callable[..., Any]) -> Any:
    node = get_at(tree, path)
    if isinstance(node, dict):
        entry = st.sampled_from(INVESTIGATIONS) | st.fixed_dictionaries(
            {"name": st.sampled_from(INVESTIGATIONS) | SCALARS},
            optional={"when": FILTERS, "x": SCALARS},
        )
        node["investigations"] = fresh(draw, st.lists(entry, max_size=4) | SCALARS)
    return tree


CONFIG_KEYS = st.one_of(
    st.sampled_from(
        [
            "alerts",
            "executors",
            "ai_agent",
            "alert_title",
            "name",
            "experimental",
            "when",
            "investigations",
            "and",
            "or",
            "field",
            "operator",
            "values",
        ]
    ),
    st.text(max_size=10),
    st.integers(),
    st.booleans(),
    st.none(),
)


@st.composite
def configs(draw: Callable[..., Any]) -> bytes:
    """One routing config file's bytes."""
    source = draw(st.sampled_from(["mutated"] * 5 + ["random", "garbage", "nested"]))
    if source == "garbage":
        return draw(
            GARBAGE | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
        )
    if source == "nested":
        return deep_nesting(draw, *draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")])))
    if source == "random":
        return dump_yaml(draw(YAML_VALUES), draw)
    special = {"filter": _set_filter, "investigations": _set_investigations}
    tree = draw(mutated(draw(st.sampled_from(config_bases())), YAML_VALUES, CONFIG_KEYS, special))
    return dump_yaml(tree, draw)


# ---------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------

TIME_KEYS = {"stopped_at", "at", "hibernated", "resumed", "timestamp"}
BAD_TIMES = st.one_of(
    st.sampled_from(
        [
            "-40x",
            "40m",
            "- 40m",
            "-0m",
            "+5m",
            "-99999999d",
            "-999999999999d",
            "+99999999d",
            "-1e3m",
            "now ",
            "NOW",
            "yesterday",
            "",
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00+01:00",
            "2026-13-01T00:00:00Z",
            "2026-02-30",
            "2026-11-26T10:00:00",
            "2026-11-26 10:00:00+00:00",
            "T",
            "-40m\n",
            "-" + "9" * 400 + "s",
            12,
            -40,
            1.5,
            None,
            True,
            [],
            {},
        ]
    ),
    st.datetimes(timezones=st.sampled_from(FIXED_ZONES)),
    st.dates(),
    st.text(max_size=12),
)
SCENARIO_KEYS = st.one_of(
    st.sampled_from(
        [
            "name",
            "description",
            "version",
            "pagerduty",
            "ocm",
            "aws",
            "kube",
            "egress",
            "faults",
            "latency_ms",
            "expect",
            "incident",
            "alerts",
            "webhook",
            "clusters",
            "instances",
            "cloudtrail",
            "id",
            "status",
            "times",
            "kind",
            "now",
            "source",
        ]
    ),
    st.text(max_size=10),
    st.integers(),
    st.booleans(),
)


@functools.cache
def scenario_bases() -> list[Any]:
    """Every installed plugin's bundled scenario (they live with their plugins now)."""
    from cad_sandbox.scenario import bundled_examples

    paths = sorted(bundled_examples().values())
    assert paths, "no bundled scenarios are installed: run scripts/bootstrap.sh"
    return [yaml.safe_load(path.read_text()) for path in paths]


def _bad_time(tree: Any, path: Path_, draw: Callable[..., Any]) -> Any:
    timed = [p for p in locations(tree) if p and p[-1] in TIME_KEYS]
    if timed:
        tree = set_at(tree, draw(st.sampled_from(timed)), fresh(draw, BAD_TIMES))
    return tree


def _bad_fault(tree: Any, path: Path_, draw: Callable[..., Any]) -> Any:
    if isinstance(tree, dict):
        fault = st.fixed_dictionaries(
            {},
            optional={
                "service": st.sampled_from(["ocm", "pagerduty", "aws", "egress", "nope"]) | SCALARS,
                "path": st.sampled_from(["/", "*", "x", "/incidents/*", "[", ""]) | SCALARS,
                "method": st.sampled_from(["GET", "get", "POST", "BREW"]) | SCALARS,
                "status": st.sampled_from([0, 99, 429, 503, 600, -1]) | SCALARS,
                "times": st.sampled_from([0, 1, -1, 10**20]) | SCALARS,
                "kind": st.sampled_from(["status", "timeout", "reset", "boom"]) | SCALARS,
                "headers": st.dictionaries(st.text(max_size=5), SCALARS, max_size=2) | SCALARS,
            },
        )
        tree["faults"] = fresh(draw, st.lists(fault, max_size=3))
    return tree


@st.composite
def scenarios(draw: Callable[..., Any]) -> bytes:
    """One scenario file's bytes."""
    source = draw(st.sampled_from(["mutated"] * 6 + ["random", "garbage", "nested"]))
    if source == "garbage":
        return draw(
            GARBAGE | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))
        )
    if source == "nested":
        return deep_nesting(draw, *draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")])))
    if source == "random":
        return dump_yaml(draw(YAML_VALUES), draw)
    special = {"time": _bad_time, "time2": _bad_time, "fault": _bad_fault}
    tree = draw(
        mutated(draw(st.sampled_from(scenario_bases())), YAML_VALUES, SCENARIO_KEYS, special)
    )
    return dump_yaml(tree, draw)


# ---------------------------------------------------------------------------------------------
# known nasty inputs: checked first by the bench, one test each in the test suite
# ---------------------------------------------------------------------------------------------

_INSTANCE = b"aws:\n  instances: [{id: i, name: n, stopped_at: %s}]\n"
_ALERT = "alerts:\n- alert_title: x\n  investigations: [chgm]\n"
KNOWN: dict[str, dict[str, bytes]] = {
    "payload": {
        "5000-digit number": b'{"event": ' + b"1" * 5000 + b"}",
        "arrays nested 100000 deep": b"[" * 100_000,
        "objects nested 20000 deep": b'{"event": ' * 20_000,
        "base64 of deep nesting": base64.b64encode(b"[" * 100_000),
        "empty": b"",
        "utf-16 with BOM": codecs.BOM_UTF16_LE + '{"event": {}}'.encode("utf-16-le"),
        "event orchestration without id": b'{"__pd_metadata": {"incident": {"id": ""}}}',
    },
    "config": {
        "lists nested 50000 deep": b"- " * 50_000,
        "5000-digit number": b"alerts: " + b"1" * 5000,
        "unknown keys of mixed types": b"alerts: []\n1: a\nb: c\n",
        "alert keys of mixed types": _ALERT.encode() + b"  1: a\n  b: c\n",
        "null key in an and-node": _ALERT.encode()
        + b"  when:\n    and: [{field: ClusterID, operator: in, values: [a]}]\n    null: 1\n",
        "null key in a leaf": _ALERT.encode()
        + b"  when: {field: ClusterID, operator: in, values: [a], null: 1}\n",
        "bad timestamp tag": _ALERT.encode() + b"  name: !!timestamp abc\n",
        "bad int tag": _ALERT.encode() + b"  name: !!int abc\n",
    },
    "scenario": {
        "lists nested 50000 deep": b"- " * 50_000,
        "relative time out of range": _INSTANCE % b"-99999999d",
        "relative time overflowing timedelta": _INSTANCE % b"-9999999999d",
        "timestamp before year 1 in UTC": _INSTANCE % b"0001-01-01 00:00:00+01:00",
        "5000-digit name": b"name: " + b"1" * 5000,
        "bad int tag": b"name: !!int abc\n",
        "bad timestamp tag": b"aws:\n  cloudtrail: [{event: E, instances: [], at: !!timestamp x}]",
        "not UTF-8": b"name: \xff\xfe\n",
    },
}


# ---------------------------------------------------------------------------------------------
# checking one input
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Verdict:
    ok: bool
    outcome: str  # "success", "bad input" or a failure signature
    detail: str = ""


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``cad ARGV`` in-process: (exit code, stdout, stderr)."""
    from cad_core.cli.commands import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = []  # as in a fresh process: no handler until a command sets one up
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
                code = 0
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            except BaseException:  # main let something through: that is a traceback
                code = -1
                err.write(traceback.format_exc())
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    return code, out.getvalue(), err.getvalue()


_MASKS = [
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),
    (re.compile(r"/[\w./%-]+"), "/…"),
    (re.compile(r"\b(?=\w*\d)\w{5,}\b"), "ID"),
    (re.compile(r"\d+"), "N"),
]


def signature(text: str) -> str:
    line = next((line for line in text.splitlines() if line.strip()), "")
    if TRACEBACK in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        line = f"traceback: {last}"
    for pattern, replacement in _MASKS:
        line = pattern.sub(replacement, line)
    return line[:110]


def judge(code: int, out: str, err: str) -> Verdict:
    if TRACEBACK in out or TRACEBACK in err:
        return Verdict(False, f"exit {code}: {signature(err or out)}", err or out)
    if code == 0:
        return Verdict(True, "success")
    lines = err.strip("\n").split("\n")
    if code == 2 and len(lines) == 1 and lines[0].startswith("cad: error: "):
        return Verdict(True, "bad input")
    if code == 2:
        return Verdict(False, f"exit 2 with {len(lines)} stderr lines: {signature(err)}", err)
    return Verdict(False, f"exit {code}: {signature(err)}", err)


class Checker:
    """Writes each input to a file in ``folder`` and runs it through the product."""

    def __init__(self, folder: Path, live_env: Mapping[str, str] | None = None) -> None:
        self.folder = folder
        self.live_env = live_env
        self.file = folder / "input"

    def _write(self, data: bytes, suffix: str) -> str:
        path = self.file.with_suffix(suffix)
        path.write_bytes(data)
        return str(path)

    def check(self, kind: str) -> Callable[[bytes], Verdict]:
        if kind == "scenario":
            return self.scenario
        return self.config if kind == "config" else self.payload

    def payload(self, data: bytes) -> Verdict:
        path = self._write(data, ".json")
        env: dict[str, str | None] = dict.fromkeys(PD_SETTINGS)
        env.update(self.live_env or {})
        env["CAD_INVESTIGATION_CONFIG_PATH"] = None
        with environ(env):
            return judge(
                *run_cli(["route", "--payload-path", path, "--config", str(sandbox_routing())])
            )

    def config(self, data: bytes) -> Verdict:
        return judge(*run_cli(["config", "check", self._write(data, ".yaml")]))

    def scenario(self, data: bytes) -> Verdict:
        from cad_core.errors import BadInputError
        from cad_sandbox.scenario import load_scenario
        from cad_sandbox.world import World

        path = self._write(data, ".yaml")
        try:
            scenario = load_scenario(path)
            World(scenario)
            scenario.webhook_body()
        except BadInputError as error:
            message = str(error)
            if not message.strip():
                return Verdict(False, "BadInputError without a message")
            return Verdict(True, "bad input")
        except Exception as error:
            text = traceback.format_exc()
            return Verdict(False, f"{type(error).__name__}: {signature(str(error))}", text)
        return Verdict(True, "success")


@dataclasses.dataclass
class Tally:
    kind: str
    count: int = 0
    passed: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: dict[str, list[Any]] = dataclasses.field(
        default_factory=dict
    )  # sig -> [n, input, detail]
    saved: int = 0

    def add(self, verdict: Verdict, data: bytes, save_to: Path | None = None) -> None:
        self.count += 1
        if verdict.ok:
            self.passed[verdict.outcome] = self.passed.get(verdict.outcome, 0) + 1
            return
        entry = self.failures.setdefault(verdict.outcome, [0, data, verdict.detail])
        entry[0] += 1
        if save_to is not None:
            save_to.mkdir(parents=True, exist_ok=True)
            (save_to / f"{self.kind}-{self.count:05d}.bin").write_bytes(data)
            self.saved += 1

    @property
    def failed(self) -> int:
        return sum(entry[0] for entry in self.failures.values())


def drive(
    strategy: st.SearchStrategy[bytes],
    check: Callable[[bytes], Verdict],
    tally: Tally,
    examples: int,
    seed: int | None = None,
    save_to: Path | None = None,
    on_progress: Callable[[Tally], None] | None = None,
) -> Tally:
    """Run ``examples`` generated inputs through ``check``; failures are tallied, not raised,
    so hypothesis never stops early or shrinks. A seed of None derandomizes (for tests)."""

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=seed is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(data: bytes) -> None:
        tally.add(check(data), data, save_to)
        if on_progress is not None:
            on_progress(tally)

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    one()
    return tally


def strategy_for(kind: str, bases: list[Any]) -> st.SearchStrategy[bytes]:
    if kind in ("payload", "payload-live"):
        return payloads(bases)
    return configs() if kind == "config" else scenarios()


# ---------------------------------------------------------------------------------------------
# the bench
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import Goals, progress

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2500, help="inputs per kind (2500)")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma list of {', '.join(KINDS)}"
    )
    parser.add_argument("--seed", type=int, default=1, help="hypothesis seed (default 1)")
    parser.add_argument("--save-failures", type=Path, help="write every failing input here")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or args.examples < 1:
        parser.error(f"unknown kind(s) {unknown}; --examples must be at least 1")

    from cad_core.plugins.registry import get_registry

    get_registry()
    webhooks = reference_webhooks(sandbox_webhooks())
    # Live: half the bases name the world's incident, so more bodies get past the lookups.
    live_webhooks = webhooks + sandbox_webhooks() * (len(webhooks) // 2)
    tallies: list[Tally] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cad-fuzz-") as folder:
        for kind in kinds:
            kind_started = time.monotonic()
            step = max(1, args.examples // 5)

            def report_progress(tally: Tally, step: int = step) -> None:
                if tally.count % step == 0:
                    progress(f"{tally.kind}: {tally.count}/{args.examples}, {tally.failed} failed")

            with contextlib.ExitStack() as stack:
                live_env = None
                if kind == "payload-live":
                    live_env = stack.enter_context(live_world())
                checker = Checker(Path(folder), live_env)
                check = checker.check(kind)
                tally = Tally(kind)
                for data in KNOWN["payload" if kind == "payload-live" else kind].values():
                    tally.add(check(data), data, args.save_failures)
                tally = drive(
                    strategy_for(kind, live_webhooks if kind == "payload-live" else webhooks),
                    check,
                    tally,
                    args.examples,
                    args.seed,
                    args.save_failures,
                    report_progress,
                )
            tallies.append(tally)
            progress(
                f"{kind}: done, {tally.count} inputs in {time.monotonic() - kind_started:.0f}s"
            )
    return report(args, tallies, time.monotonic() - started, Goals())


@contextlib.contextmanager
def live_world() -> Iterator[dict[str, str]]:
    """A sandbox world (bundled CHGM example) on 127.0.0.1 and the settings that reach it."""
    from cad_sandbox.harness import Sandbox
    from cad_sandbox.scenario import bundled_examples

    with Sandbox(str(bundled_examples()["chgm-customer-stopped-instances"])) as box:
        yield {**box.env(), "CAD_RETRY_BASE_DELAY": "0.01"}


def report(args: argparse.Namespace, tallies: list[Tally], wall: float, goals: Any) -> int:
    total = sum(t.count for t in tallies)
    print(f"fuzz: {total} inputs, seed {args.seed}, date {time.strftime('%Y-%m-%d')}, {wall:.0f}s")
    for tally in tallies:
        passed = ", ".join(f"{k} {v}" for k, v in sorted(tally.passed.items()))
        print(f"  {tally.kind:13s} {tally.count:6d} inputs: {passed}; failed {tally.failed}")
        for sig, (count, data, detail) in sorted(tally.failures.items(), key=lambda i: -i[1][0]):
            shown = data[:160]
            print(f"    {count:5d}x {sig}")
            more = "..." if len(data) > 160 else ""
            print(f"           e.g. input ({len(data)} bytes): {shown!r}{more}")
            last = [line for line in detail.strip().splitlines() if line.strip()][-3:]
            for line in last:
                print(f"           | {line[:150]}")
    if args.save_failures and any(t.saved for t in tallies):
        print(f"  failing inputs saved under {args.save_failures}")
    for tally in tallies:
        goals.check(
            f"{tally.kind}: success or one-line exit 2, no traceback",
            tally.failed == 0,
            f"{tally.failed} of {tally.count} inputs failed in {len(tally.failures)} way(s)",
        )
    return int(goals.report())


if __name__ == "__main__":
    sys.exit(main())
