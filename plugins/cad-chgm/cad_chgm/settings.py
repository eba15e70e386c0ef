"""The environment settings chgm reads, each validated with an error naming the variable.

The egress verifier's settings belong to cad-ocm, which runs it (``egress_verification``).
"""

from __future__ import annotations

import attrs
from cad_core.settings import number_setting

CLOUDTRAIL_WAIT = "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"

DEFAULT_CLOUDTRAIL_WAIT = 60.0


def _seconds(name: str, default: float, *, allow_zero: bool) -> float:
    return number_setting(name, default, 0.0, above_minimum=not allow_zero)


def cloudtrail_wait_seconds() -> float:
    """How long to keep asking CloudTrail for stop events in total; 0 asks once."""
    return _seconds(CLOUDTRAIL_WAIT, DEFAULT_CLOUDTRAIL_WAIT, allow_zero=True)


@attrs.frozen
class Settings:
    cloudtrail_wait_seconds: float


def load() -> Settings:
    """Read and check every setting up front, so a typo fails the run before any query."""
    return Settings(
        cloudtrail_wait_seconds=cloudtrail_wait_seconds(),
    )
