"""Adapter for the ``osd-network-verifier`` CLI: can the cluster's network reach the internet?

The verifier launches a probe in the customer's VPC and reports each required endpoint it
could not reach as a line ``egressURL error: <target>``. We run it as a subprocess with the
customer account's credentials, bound its run time, and reduce its output to one of three
outcomes. Anything we cannot interpret is *undefined*, never a success.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

SUCCESS = "success"
FAILURE = "failure"
UNDEFINED = "undefined"
FAILURE_MARK = "egressURL error: "
PROGRESS_EVERY_SECONDS = 30.0
# Names of settings that hold secrets (PagerDuty token, OCM client secret, webhook key...).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|SIGNATURE|CREDENTIAL|ACCESS_KEY|CLIENT_ID")
_ERROR_TEXT_LIMIT = 600

log = logging.getLogger("cad.chgm.egress")


@attrs.frozen
class EgressResult:
    outcome: str
    blocked: tuple[str, ...] = ()
    error: str = ""


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
