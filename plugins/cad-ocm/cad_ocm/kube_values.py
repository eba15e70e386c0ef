"""Kube values as the apiserver writes them: quantities (``250m``, ``16374624Ki``) and
timestamps (``2026-01-01T00:00:00Z``), offered as ``kube.quantity`` and ``kube.timestamp``
so that no investigation keeps its own copy of the grammar.

Both read untrusted JSON: anything that is not the apiserver's own form is None, never an
exception.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

# The serialization grammar of k8s.io/apimachinery's resource.Quantity: a signed decimal
# number, then a binary suffix (Ki..Ei), a decimal one (n u m "" k M G T P E) or a decimal
# exponent (e3, E-2). Only ASCII digits: Python's \d would take other scripts' digits too.
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))"
    r"(?:[eE](?P<exponent>[+-]?[0-9]+)|(?P<suffix>[KMGTPE]i|[numkMGTPE])?)"
)
_SUFFIXES = {
    None: 1.0,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}
# RFC 3339 as Go's time.RFC3339 reads it (metav1.Time, and MicroTime's six decimals): an
# upper-case T, seconds, an optional fraction after a point (Go reads any number of digits
# and keeps nine; Python keeps six), Z or a +hh:mm offset.
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def quantity(value: Any) -> float | None:
    """A quantity (``"250m"``, ``"16Gi"``, ``"1e3"``, or a JSON number) in base units: cores,
    bytes, pods. None for anything else, and for what a float cannot hold."""
    if isinstance(value, bool):  # JSON true is no amount of anything
        return None
    if isinstance(value, int | float):
        return _finite(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())  # the apiserver trims a quantity's JSON too
    if match is None:
        return None
    number, exponent = match.group("number"), match.group("exponent")
    if exponent is not None:  # float() reads "1.5e3" itself, and a huge exponent as inf
        return _finite(f"{number}e{exponent}")
    # number times factor, as the investigations' own copies computed it: their reports
    # print int(cores * 1000), which a rounder sum would change for some values
    return _finite(float(number) * _SUFFIXES[match.group("suffix")])


def _finite(value: str | float) -> float | None:
    try:
        parsed = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return parsed if math.isfinite(parsed) else None


def timestamp(value: Any) -> datetime | None:
    """An RFC 3339 time with its zone (``"2026-01-01T00:00:00Z"``) as an aware datetime;
    None for anything else: a time without a zone could not be compared with now."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # the right shape, but no such day, hour or offset
        return None
