"""The ``egress_verification`` resource: can the cluster's network reach the internet?

It wraps the ``osd-network-verifier`` CLI, which launches a probe in the customer's VPC and
reports each required endpoint it could not reach as a line ``egressURL error: <target>``.
We run it as a subprocess with the customer account's credentials, bound its run time, and
reduce its output to one of three outcomes. Anything we cannot interpret is *undefined*,
never a success. It lives in cad-ocm because it needs the cluster and the AWS session that
cad-ocm provides; as a resource it runs at most once per run, however many investigations
of the chain ask for the verdict (see docs/resources.md).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from cad_core.errors import BadInputError

from cad_ocm.settings import number, value

SUCCESS = "success"
FAILURE = "failure"
UNDEFINED = "undefined"
FAILURE_MARK = "egressURL error: "
PROGRESS_EVERY_SECONDS = 30.0
VERIFIER_COMMAND = "CAD_NETWORK_VERIFIER"
VERIFIER_TIMEOUT = "CAD_NETWORK_VERIFIER_TIMEOUT"
DEFAULT_VERIFIER_COMMAND = "osd-network-verifier"
DEFAULT_VERIFIER_TIMEOUT = 600.0
# Names of settings that hold secrets (PagerDuty token, OCM client secret, webhook key...).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|SIGNATURE|CREDENTIAL|ACCESS_KEY|CLIENT_ID")
_ERROR_TEXT_LIMIT = 600

log = logging.getLogger("cad.ocm.egress")


@attrs.frozen
class EgressResult:
    outcome: str
    blocked: tuple[str, ...] = ()
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The resource's value: plain data, so consumers need no type of ours."""
        return {"outcome": self.outcome, "blocked": list(self.blocked), "error": self.error}


def verifier_timeout_seconds() -> float:
    return number(VERIFIER_TIMEOUT)


def verifier_command() -> list[str]:
    """The egress verifier's command line, split like a shell would split it."""
    raw = value(VERIFIER_COMMAND)
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise BadInputError(f"{VERIFIER_COMMAND} is not a valid command line: {error}") from None
    if not words:
        raise BadInputError(f"{VERIFIER_COMMAND} is empty")
    return words


def build_egress_verification(resources: Any) -> dict[str, Any]:
    """Run the verifier from the cluster's region and first subnet; see :class:`EgressResult`.

    Settings are read first, so a bad one fails before any call. The AWS session is
    fetched only when there is somewhere to probe from; its failure propagates (the
    runner retries transient ones). Everything the verifier itself does wrong is an
    *undefined* verdict with the reason, never an exception.
    """
    command, timeout = verifier_command(), verifier_timeout_seconds()
    cluster = resources.get("cluster")
    target = target_for(cluster)
    if target is None:
        return EgressResult(UNDEFINED, error="the cluster's region is unknown to OCM").as_dict()
    session = resources.get("aws_session")
    try:
        env = session_environment(session, target.region)
    except Exception as error:  # e.g. credentials that can no longer be refreshed
        return EgressResult(UNDEFINED, error=f"no AWS credentials: {error}").as_dict()
    return run_verifier(command, target, env, timeout).as_dict()


@attrs.frozen
class VerifierTarget:
    """Where to probe from; subnet and security group are passed only when known."""

    region: str
    subnet_id: str | None = None
    security_group_id: str | None = None

    def arguments(self) -> list[str]:
        args = ["egress", "--region", self.region]
        if self.subnet_id:
            args += ["--subnet-id", self.subnet_id]
        if self.security_group_id:
            args += ["--security-group-id", self.security_group_id]
        return args


def target_for(cluster: Mapping[str, Any]) -> VerifierTarget | None:
    """The probe location recorded in OCM, or ``None`` when the region is unknown.

    OCM lists the subnets of a customer-provided VPC under ``aws.subnet_ids``. It records
    no security group of the cluster's own, so none is passed and the verifier uses a
    temporary group of its own (see docs/investigations/chgm.md).
    """
    region = (cluster.get("region") or {}).get("id")
    if not region:
        return None
    subnets = (cluster.get("aws") or {}).get("subnet_ids") or []
    return VerifierTarget(region=str(region), subnet_id=str(subnets[0]) if subnets else None)


def parse_output(returncode: int, stdout: str, stderr: str) -> EgressResult:
    """Blocked targets win over the exit status; a clean exit is success; else undefined."""
    blocked = tuple(
        line.split(FAILURE_MARK, 1)[1].strip()
        for line in (stdout + "\n" + stderr).splitlines()
        if FAILURE_MARK in line and line.split(FAILURE_MARK, 1)[1].strip()
    )
    if blocked:
        return EgressResult(FAILURE, blocked=blocked)
    if returncode == 0:
        return EgressResult(SUCCESS)
    detail = (stderr.strip() or stdout.strip() or "no output")[-_ERROR_TEXT_LIMIT:]
    return EgressResult(UNDEFINED, error=f"the verifier exited with status {returncode}: {detail}")


def session_environment(session: Any, region: str) -> dict[str, str]:
    """The process environment, minus CAD's own secrets, plus the customer account's
    credentials: the verifier is a separate program and needs nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not _SECRET_NAME.search(k.upper())}
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    credentials = session.get_credentials() if session is not None else None
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        env["AWS_ACCESS_KEY_ID"] = frozen.access_key
        env["AWS_SECRET_ACCESS_KEY"] = frozen.secret_key
        if frozen.token:
            env["AWS_SESSION_TOKEN"] = frozen.token
        else:
            env.pop("AWS_SESSION_TOKEN", None)
    return env


def run_verifier(
    command: Sequence[str], target: VerifierTarget, env: Mapping[str, str], timeout: float
) -> EgressResult:
    """Run the verifier to completion or ``timeout``; never raises for the verifier's faults."""
    argv = [*command, *target.arguments()]
    log.info("running the egress verifier: %s", " ".join(argv))
    try:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(env)
        )
    except FileNotFoundError:
        return EgressResult(UNDEFINED, error=f"{command[0]!r} is not installed or not on PATH")
    except OSError as error:
        return EgressResult(UNDEFINED, error=f"{command[0]!r} could not be started: {error}")
    return _await(process, timeout)


def _await(process: subprocess.Popen[str], timeout: float) -> EgressResult:
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        try:
            stdout, stderr = process.communicate(
                timeout=max(0.01, min(PROGRESS_EVERY_SECONDS, timeout - elapsed))
            )
        except subprocess.TimeoutExpired:
            elapsed = time.monotonic() - started
            if elapsed >= timeout:
                process.kill()
                process.communicate()
                return EgressResult(
                    UNDEFINED, error=f"the verifier did not finish within {timeout:g} s"
                )
            log.info("the egress verifier is still running (%.0f s of %g s)", elapsed, timeout)
            continue
        log.info("the egress verifier finished with status %s", process.returncode)
        return parse_output(process.returncode, stdout, stderr)
