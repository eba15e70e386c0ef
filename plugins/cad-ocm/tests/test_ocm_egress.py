"""The egress verifier adapter (cad-ocm's ``egress_verification``): arguments, output
parsing, settings, and a real subprocess."""

from __future__ import annotations

import sys
import textwrap

import boto3
import pytest
from cad_core.errors import BadInputError

from cad_ocm import egress
from cad_ocm.egress import (
    FAILURE,
    SUCCESS,
    UNDEFINED,
    EgressResult,
    VerifierTarget,
    parse_output,
    run_verifier,
    session_environment,
    target_for,
)

# --- parsing ------------------------------------------------------------------------------------


def test_ocm_egress_a_clean_exit_is_success():
    assert parse_output(0, "All tests passed\n", "") == EgressResult(SUCCESS)


def test_ocm_egress_failure_lines_give_the_targets_without_their_prefix():
    out = "Summary:\negressURL error: nosnch.in:443\negressURL error: quay.io:443\n"
    expected = EgressResult(FAILURE, blocked=("nosnch.in:443", "quay.io:443"))
    assert parse_output(1, out, "") == expected


def test_ocm_egress_failure_lines_win_even_with_a_clean_exit_and_on_stderr():
    result = parse_output(0, "", "level=info egressURL error: api.openshift.com:443\n")
    assert result == EgressResult(FAILURE, blocked=("api.openshift.com:443",))


@pytest.mark.parametrize(
    "code, out, err, detail",
    [
        (2, "", "could not launch the probe: AccessDenied\n", "status 2: could not launch"),
        (1, "something odd\n", "", "status 1: something odd"),
        (1, "egressURL error: \n", "", "status 1: egressURL error:"),  # no target named
        (3, "", "", "status 3: no output"),
    ],
)
def test_ocm_egress_anything_else_is_undefined_with_the_error(code, out, err, detail):
    result = parse_output(code, out, err)
    assert result.outcome == UNDEFINED and detail in result.error


# --- arguments ----------------------------------------------------------------------------------


def test_ocm_egress_verifier_arguments_hold_region_and_known_subnet():
    cluster = {"region": {"id": "us-east-2"}, "aws": {"subnet_ids": ["subnet-a", "subnet-b"]}}
    target = target_for(cluster)
    assert target.arguments() == ["egress", "--region", "us-east-2", "--subnet-id", "subnet-a"]
    assert target_for({"region": {"id": "eu-west-1"}}).arguments() == [
        "egress",
        "--region",
        "eu-west-1",
    ]
    assert target_for({}) is None
    full = VerifierTarget("r", subnet_id="s", security_group_id="sg")
    assert full.arguments()[-2:] == ["--security-group-id", "sg"]


def test_ocm_egress_the_verifier_gets_the_customer_credentials_in_its_environment(monkeypatch):
    for name in (
        "CAD_PD_TOKEN",
        "CAD_OCM_CLIENT_SECRET",
        "CAD_OCM_CLIENT_ID",
        "PD_SIGNATURE",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.setenv(name, "not for the verifier")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = boto3.Session(
        aws_access_key_id="AKIDCUSTOMER",
        aws_secret_access_key="secret",
        aws_session_token="token",
        region_name="us-east-1",
    )
    env = session_environment(session, "eu-west-1")
    assert env["AWS_ACCESS_KEY_ID"] == "AKIDCUSTOMER" and env["AWS_SESSION_TOKEN"] == "token"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["HTTPS_PROXY"] == "http://proxy.example:3128"
    assert "not for the verifier" not in env.values()
    without_token = boto3.Session(aws_access_key_id="AKID", aws_secret_access_key="secret")
    assert "AWS_SESSION_TOKEN" not in session_environment(without_token, "eu-west-1")


# --- settings -----------------------------------------------------------------------------------


def test_ocm_egress_settings_defaults(monkeypatch):
    for name in (egress.VERIFIER_COMMAND, egress.VERIFIER_TIMEOUT):
        monkeypatch.delenv(name, raising=False)
    assert egress.verifier_command() == ["osd-network-verifier"]
    assert egress.verifier_timeout_seconds() == 600


def test_ocm_egress_the_verifier_command_is_split_like_a_shell(monkeypatch):
    monkeypatch.setenv(egress.VERIFIER_COMMAND, "python -m 'some module'")
    assert egress.verifier_command() == ["python", "-m", "some module"]


@pytest.mark.parametrize(
    "name, value",
    [
        (egress.VERIFIER_TIMEOUT, "0"),
        (egress.VERIFIER_TIMEOUT, "soon"),
        (egress.VERIFIER_COMMAND, "'unclosed"),
    ],
)
def test_ocm_egress_bad_settings_are_bad_input_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(BadInputError, match=name):
        egress.build_egress_verification(None)


# --- a real subprocess --------------------------------------------------------------------------

FAKE_CLI = textwrap.dedent("""
    import os, sys, time
    mode = os.environ["FAKE_MODE"]
    print("args:", " ".join(sys.argv[1:]), "key:", os.environ.get("AWS_ACCESS_KEY_ID"))
    if mode == "ok":
        print("All tests passed")
    elif mode == "blocked":
        print("egressURL error: nosnch.in:443")
        sys.exit(1)
    elif mode == "slow":
        time.sleep(30)
    else:
        print("probe could not start", file=sys.stderr)
        sys.exit(2)
""")


@pytest.fixture
def fake_cli(tmp_path):
    script = tmp_path / "fake_verifier.py"
    script.write_text(FAKE_CLI)
    return [sys.executable, str(script)]


def run_fake(fake_cli, mode, timeout=20.0):
    return run_verifier(
        fake_cli,
        VerifierTarget("us-east-1", subnet_id="subnet-1"),
        {"FAKE_MODE": mode, "AWS_ACCESS_KEY_ID": "AKID"},
        timeout,
    )


def test_ocm_egress_running_the_verifier_to_success(fake_cli, caplog):
    caplog.set_level("INFO", logger="cad.ocm.egress")
    assert run_fake(fake_cli, "ok") == EgressResult(SUCCESS)
    assert "egress --region us-east-1 --subnet-id subnet-1" in caplog.text
    assert "AKID" not in caplog.text  # credentials travel in the environment, never in logs


def test_ocm_egress_running_the_verifier_to_failure_and_error(fake_cli):
    assert run_fake(fake_cli, "blocked") == EgressResult(FAILURE, blocked=("nosnch.in:443",))
    broken = run_fake(fake_cli, "broken")
    assert broken.outcome == UNDEFINED and "probe could not start" in broken.error


def test_ocm_egress_a_verifier_that_runs_too_long_is_stopped(fake_cli, monkeypatch, caplog):
    monkeypatch.setattr(egress, "PROGRESS_EVERY_SECONDS", 0.1)
    caplog.set_level("INFO", logger="cad.ocm.egress")
    result = run_fake(fake_cli, "slow", timeout=0.5)
    assert result == EgressResult(UNDEFINED, error="the verifier did not finish within 0.5 s")
    assert "still running" in caplog.text


def test_ocm_egress_a_missing_verifier_is_undefined(tmp_path):
    result = run_verifier([str(tmp_path / "no-such-verifier")], VerifierTarget("us-east-1"), {}, 5)
    assert result.outcome == UNDEFINED and "not installed" in result.error
