"""Reading the shared egress verdict (cad-ocm's ``egress_findings`` resource).

The resource's value is plain data, ``{"outcome", "blocked", "error", "note", ...}``; this
turns it into a small typed value so the decision table reads cleanly. ``note`` is the line
every investigation writes for the verdict, worded once by cad-ocm. Anything unexpected is
*undefined*, never a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

SUCCESS = "success"
FAILURE = "failure"
UNDEFINED = "undefined"


@attrs.frozen
class EgressResult:
    outcome: str
    blocked: tuple[str, ...] = ()
    error: str = ""
    note: str = ""


def verdict_from(value: Any) -> EgressResult:
    if not isinstance(value, Mapping) or value.get("outcome") not in (SUCCESS, FAILURE, UNDEFINED):
        error = f"the egress verdict is not understood: {value!r}"
        return EgressResult(UNDEFINED, error=error, note=f"Egress was not verified: {error}")
    blocked = tuple(str(target) for target in value.get("blocked") or ())
    return EgressResult(
        str(value["outcome"]),
        blocked=blocked,
        error=str(value.get("error") or ""),
        note=str(value.get("note") or ""),
    )
