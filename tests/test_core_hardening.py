"""Issue 14's CLI findings, each against the real `cad` process: inputs that used to
hang or bloat it, log lines that broke, secrets that leaked in an encoded form."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from cad_core.logs import RedactingFormatter, encoded_forms, redact
from cad_core.testing import secrets_plugin

CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]


def cad(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    return subprocess.run(
        [*CAD, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_error_line(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines and lines[-1].startswith("cad: error: "), result.stderr
    return str(lines[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--payload-path", "/dev/zero"],
        ["config", "check", "/dev/zero"],
        ["route", "--payload-path", "/dev/zero", "--config", "/dev/null"],
    ],
)
def test_an_endless_device_is_refused_after_the_limit(args: list[str]) -> None:
    # Issue 14.8: /dev/zero claims 0 bytes and grew the process to gigabytes.
    result = cad(*args)
    assert result.returncode == 2
    assert "larger than 5242880 bytes" in one_error_line(result)


def test_a_fifo_without_a_writer_is_an_empty_payload(tmp_path: Path) -> None:
    fifo = tmp_path / "payload"
    os.mkfifo(fifo)
    result = cad("run", "--payload-path", str(fifo))
    assert result.returncode == 2
    assert "is empty" in one_error_line(result)


def test_a_fifo_whose_writer_never_writes_gives_up(tmp_path: Path) -> None:
    fifo = tmp_path / "payload"
    os.mkfifo(fifo)
    holder = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that never writes
    try:
        result = cad("run", "--payload-path", str(fifo), env={"CAD_INPUT_TIMEOUT_SECONDS": "0.2"})
    finally:
        os.close(holder)
    assert result.returncode == 2
    assert "nothing more arrived within the time limit" in one_error_line(result)


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    # Issue 14.9: 593 bytes of aliases stood for 10^8 filter leaves.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    config = tmp_path / "routing.yaml"
    config.write_text("\n".join(lines) + "\nalerts: []\n")
    result = cad("config", "check", str(config))
    assert result.returncode == 2
    assert "YAML aliases (*" in one_error_line(result)


def test_a_percent_in_the_pipeline_name_breaks_no_log_line(tmp_path: Path) -> None:
    # Issue 14.10: PIPELINE_NAME=run-100% printed 13 logging tracebacks.
    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\n")
    result = cad(
        "config", "check", str(config), env={"PIPELINE_NAME": "run-100%\n", "LOG_LEVEL": "debug"}
    )
    script = (
        "from cad_core.logs import setup_logging; import logging;"
        "setup_logging('debug'); log = logging.getLogger('cad.test');"
        "log.info('title %s', 'a 100% odd\\ntitle\\x1b[31m'); log.info('bad %s %s', 'x')"
    )
    logged = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PIPELINE_NAME": "run-100%"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Logging error" not in logged.stderr and "Traceback" not in logged.stderr
    lines = logged.stderr.splitlines()
    assert len(lines) == 2  # the newline in the value did not start a forged line
    assert "[run-100%] cad.test: title a 100% odd\\ntitle\\x1b[31m" in lines[0]
    assert "'bad %s %s'" in lines[1]


def test_library_debug_logs_stay_quiet_unless_asked_for() -> None:
    # Issue 14.12: httpcore2 (under the pagerduty client) logged headers at debug level.
    script = (
        "from cad_core.logs import setup_logging; import logging;"
        "setup_logging('debug');"
        "logging.getLogger('httpcore2.http11').debug('send_request_headers Authorization');"
        "logging.getLogger('urllib3.connectionpool').debug('GET /x');"
        "logging.getLogger('cad.test').debug('ours')"
    )
    quiet = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    loud = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "CAD_LOG_LIBRARIES": "1"},
        capture_output=True,
        text=True,
    )
    assert quiet.stderr.count("\n") == 1 and "ours" in quiet.stderr
    assert "send_request_headers" in loud.stderr and "GET /x" in loud.stderr


# -- redaction: every encoded form of a third-party plugin's secret ---------------------

TOKEN = 'tp-tok\n"3rd/party" +&=%ünï'


@pytest.fixture
def third_party_secret(cad_registry, monkeypatch: pytest.MonkeyPatch) -> str:
    cad_registry(secrets_plugin("THIRD_PARTY_TOKEN"))
    monkeypatch.setenv("THIRD_PARTY_TOKEN", TOKEN)
    return TOKEN


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        " ".join(TOKEN.split()),
        json.dumps(TOKEN)[1:-1],
        json.dumps(TOKEN, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(TOKEN))[1:-1],
        repr(TOKEN),
        repr(TOKEN.encode()),
        quote(TOKEN, safe=""),
        quote_plus(TOKEN),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(b"user:" + TOKEN.encode()).decode(),  # Basic auth
        base64.b64encode(b"ab:" + TOKEN.encode() + b"!").decode(),
        base64.urlsafe_b64encode(b"x" + TOKEN.encode()).decode(),
    ],
)
def test_a_third_party_secret_is_redacted_in_every_encoded_form(
    third_party_secret: str, caplog: pytest.LogCaptureFixture, form: str
) -> None:
    caplog.handler.setFormatter(RedactingFormatter("%(message)s"))
    logging.getLogger("cad.test").warning("sent %s to the API", form)
    text = caplog.handler.format(caplog.records[-1])
    assert "***" in text
    for encoded in encoded_forms(TOKEN) - {"***"}:
        assert encoded not in text
    assert redact(f"error: {form}") != f"error: {form}"


def test_a_third_party_secret_never_reaches_cad_output(
    third_party_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cad_core.cli.commands import main

    with pytest.raises(SystemExit) as done:
        main(["run", "--output", TOKEN])
    out, err = capsys.readouterr()
    assert done.value.code == 2
    assert TOKEN not in out + err and json.dumps(TOKEN)[1:-1] not in out + err
    assert repr(TOKEN)[1:-1] not in err and " ".join(TOKEN.split()) not in err


def test_a_usage_error_before_any_plugin_loaded_is_redacted_too() -> None:
    # The plugins that declare the secret load only to redact this message.
    import importlib.util

    if importlib.util.find_spec("cad_pagerduty") is None:
        pytest.skip("cad-pagerduty (which declares CAD_PD_TOKEN) is not installed")
    result = cad("run", "--output", "tok-7f3a9c1e55", env={"CAD_PD_TOKEN": "tok-7f3a9c1e55"})
    assert result.returncode == 2
    assert "tok-7f3a9c1e55" not in result.stderr and "***" in result.stderr


def test_a_payload_of_millions_of_tiny_objects_is_refused_before_parsing(tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_bytes(b'{"x": [' + b"{}," * 1_000_000 + b"{}]}")
    result = cad("run", "--payload-path", str(payload))
    assert result.returncode == 2
    assert "too costly to read" in one_error_line(result)
