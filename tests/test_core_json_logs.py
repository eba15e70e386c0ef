"""``CAD_LOG_FORMAT=json``: one JSON object a line, with what each line is about, and no
declared secret in any encoding CAD might write it."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cad_core.logs import JsonFormatter, encoded_forms
from cad_core.testing import secrets_plugin

CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
DEMO = "chgm-customer-stopped-instances"
FIELDS = {"time", "level", "logger", "message", "run_id", "incident", "cluster"} | {
    "investigation",
    "action",
}


def cad(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CAD, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )


def test_a_sandbox_run_logs_one_object_a_line_naming_run_incident_and_work() -> None:
    done = cad("sandbox", "run", DEMO, "-l", "debug", env={"CAD_LOG_FORMAT": "json"})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines and all(line.keys() >= FIELDS for line in lines)
    assert len({line["run_id"] for line in lines}) == 1
    assert {line["level"] for line in lines} >= {"info", "debug"}
    about = {(line["investigation"], line["action"]) for line in lines if line["incident"]}
    assert ("chgm", None) in about  # the investigation's own lines
    assert ("chgm", "limited_support") in about  # an executor's lines name the action
    [cluster] = {line["cluster"] for line in lines if line["cluster"]}
    assert cluster == "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
    # The line announcing the alert already names it (it was logged before the run knew).
    [announced] = [line for line in lines if line["message"].startswith("alert ")]
    assert announced["incident"] and announced["cluster"] == cluster


def test_the_pipeline_name_is_a_field_of_its_own() -> None:
    env = {"CAD_LOG_FORMAT": "JSON", "PIPELINE_NAME": "cad-run-x1"}
    done = cad("sandbox", "run", DEMO, "-l", "info", env=env)
    assert {json.loads(line)["pipeline"] for line in done.stderr.splitlines()} == {"cad-run-x1"}


@pytest.mark.parametrize("command", [("sandbox", "run", DEMO), ("run", "-c", "c1", "-i", "chgm")])
def test_an_unknown_format_is_one_line_and_exit_2(command: tuple[str, ...]) -> None:
    done = cad(*command, env={"CAD_LOG_FORMAT": "xml"})
    assert done.returncode == 2
    assert done.stderr == "cad: error: CAD_LOG_FORMAT must be one of text, json, not 'xml'\n"


def test_the_format_is_a_declared_setting() -> None:
    done = cad("plugins", "--output", "json", env={})
    [core] = [p for p in json.loads(done.stdout)["plugins"] if p["distribution"] == "cad-core"]
    assert "CAD_LOG_FORMAT" in core["registrations"]["settings"]


# --- secrets ----------------------------------------------------------------------------------

ENCODINGS: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: json.dumps(s),
    lambda s: json.dumps(s, ensure_ascii=False),
    lambda s: json.dumps(json.dumps(s)),
    lambda s: json.dumps({"token": s}),
    repr,
    lambda s: repr(s.encode()),
    lambda s: quote(s, safe=""),
    quote,
    quote_plus,
    lambda s: base64.b64encode(s.encode()).decode(),
    lambda s: base64.b64encode(b"user:" + s.encode()).decode(),  # Authorization: Basic
    lambda s: base64.urlsafe_b64encode(b"xy" + s.encode()).decode(),
    lambda s: " ".join(s.split()),
]
SECRET = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x00"),
    min_size=8,
    max_size=40,
).filter(lambda s: s == s.strip())


@contextlib.contextmanager
def secret_env(value: str) -> Iterator[None]:
    os.environ["JSON_LOG_TOKEN"] = value
    try:
        yield
    finally:
        del os.environ["JSON_LOG_TOKEN"]


def json_log(logger: logging.Logger, write: Callable[[logging.Logger], None]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(pipeline="p"))
    logger.addHandler(handler)
    try:
        write(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


@pytest.fixture
def declared_secret(cad_registry: Callable[..., object]) -> None:
    cad_registry(secrets_plugin("JSON_LOG_TOKEN"))


# The fixture only declares which variable is secret: the same for every example.
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    secret=SECRET,
    encode=st.sampled_from(ENCODINGS),
    before=st.text(max_size=5),
    after=st.text(max_size=5),
    place=st.sampled_from(["argument", "format", "exception"]),
)
def test_no_declared_secret_reaches_a_json_log_in_any_encoding(
    declared_secret: None, secret: str, encode: Callable[[str], str], before: str, after: str,
    place: str,
) -> None:  # fmt: skip
    text = before + encode(secret) + after

    def write(log: logging.Logger) -> None:
        if place == "argument":
            log.warning("sent %s to the API", text)
        elif place == "format":
            log.warning(text)
        else:
            try:
                raise RuntimeError(text)
            except RuntimeError:
                log.exception("the call failed")

    with secret_env(secret):
        output = json_log(logging.getLogger("cad.test.jsonlogs"), write)
    [line] = output.splitlines()
    decoded = json.loads(line)
    assert "***" in line  # it was there, and it was replaced
    forms = encoded_forms(secret)
    for form in forms:
        assert form not in line
        for value in decoded.values():
            assert value is None or form not in value
