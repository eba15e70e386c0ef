"""The environment settings chgm reads, each validated with an error naming the variable.

The egress verifier's settings belong to cad-ocm, which runs it (``egress_verification``).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
from cad_core.plugins.checks import number_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import number

CLOUDTRAIL_WAIT = "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"

DEFAULT_CLOUDTRAIL_WAIT = 60.0

CLOUDTRAIL_WAIT_SETTING = Setting(
    CLOUDTRAIL_WAIT,
    "how long chgm keeps asking CloudTrail for stop events (s); 0 asks once",
    check=number_check(0),
    default=f"{DEFAULT_CLOUDTRAIL_WAIT:g}",
)


def declared() -> Iterator[Setting]:
    """What plugin.py's ``cad_settings`` yields."""
    yield CLOUDTRAIL_WAIT_SETTING


def cloudtrail_wait_seconds() -> float:
    """How long to keep asking CloudTrail for stop events in total; 0 asks once."""
    return number(CLOUDTRAIL_WAIT_SETTING)


@attrs.frozen
class Settings:
    cloudtrail_wait_seconds: float


def load() -> Settings:
    """Read and check every setting up front, so a typo fails the run before any query."""
    return Settings(
        cloudtrail_wait_seconds=cloudtrail_wait_seconds(),
    )
