"""The environment settings chgm reads, each validated with an error naming the variable."""

from __future__ import annotations

import os
import shlex

import attrs
from cad_core.errors import BadInputError
from cad_core.settings import number_setting

CLOUDTRAIL_WAIT = "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"
VERIFIER_COMMAND = "CAD_NETWORK_VERIFIER"
VERIFIER_TIMEOUT = "CAD_NETWORK_VERIFIER_TIMEOUT"

DEFAULT_CLOUDTRAIL_WAIT = 60.0
DEFAULT_VERIFIER_COMMAND = "osd-network-verifier"
DEFAULT_VERIFIER_TIMEOUT = 600.0


def _seconds(name: str, default: float, *, allow_zero: bool) -> float:
    return number_setting(name, default, 0.0, above_minimum=not allow_zero)


def cloudtrail_wait_seconds() -> float:
    """How long to keep asking CloudTrail for stop events in total; 0 asks once."""
    return _seconds(CLOUDTRAIL_WAIT, DEFAULT_CLOUDTRAIL_WAIT, allow_zero=True)


def verifier_timeout_seconds() -> float:
    return _seconds(VERIFIER_TIMEOUT, DEFAULT_VERIFIER_TIMEOUT, allow_zero=False)


def verifier_command() -> list[str]:
    """The egress verifier's command line, split like a shell would split it."""
    raw = os.environ.get(VERIFIER_COMMAND, "").strip() or DEFAULT_VERIFIER_COMMAND
    try:
        words = shlex.split(raw)
    except ValueError as error:
        raise BadInputError(f"{VERIFIER_COMMAND} is not a valid command line: {error}") from None
    if not words:
        raise BadInputError(f"{VERIFIER_COMMAND} is empty")
    return words


@attrs.frozen
class Settings:
    cloudtrail_wait_seconds: float
    verifier_command: tuple[str, ...]
    verifier_timeout_seconds: float


def load() -> Settings:
    """Read and check every setting up front, so a typo fails the run before any query."""
    return Settings(
        cloudtrail_wait_seconds=cloudtrail_wait_seconds(),
        verifier_command=tuple(verifier_command()),
        verifier_timeout_seconds=verifier_timeout_seconds(),
    )
