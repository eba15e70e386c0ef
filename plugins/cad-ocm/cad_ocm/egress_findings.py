"""The ``egress_findings`` resource: the egress verdict with the note line investigations write.

Several investigations (cannotretrieveupdates, cpd, insightsoperatordown, chgm, ...) note the
verdict of ``egress_verification`` the same way; the lines live here once, so a change of
wording reaches every investigation and no plugin carries a copy. The value is plain data:

    {"outcome": "success" | "failure" | "undefined", "blocked": [targets], "error": str,
     "level": "success" | "warning", "note": the line to write,
     "service_log_command": the osdctl command for a person ("" unless blocked)}

A verdict that is not understood is *undefined*, never a success.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cad_ocm.egress import FAILURE, SUCCESS, UNDEFINED

EGRESS_SERVICE_LOG_TEMPLATE = (
    "https://raw.githubusercontent.com/openshift/managed-notifications/master/osd/"
    "required_network_egresses_are_blocked.json"
)
EGRESS_OK = "The egress check found no blocked endpoints"


def service_log_command(cluster_id: str, blocked: Sequence[str]) -> str:
    """The blocked-egress service log a person sends after confirming the verdict."""
    return (
        f"osdctl servicelog post --cluster-id {cluster_id} -t {EGRESS_SERVICE_LOG_TEMPLATE} "
        f"-p URLS={','.join(blocked)}"
    )


def egress_blocked(cluster_id: str, blocked: Sequence[str]) -> str:
    return (
        f"The egress check found endpoints the cluster cannot reach: {', '.join(blocked)}.\n"
        "Please confirm this and, if it holds, send the customer the blocked-egress service "
        f"log:\n{service_log_command(cluster_id, blocked)}"
    )


def egress_not_verified(error: str) -> str:
    return f"Egress was not verified: the network verifier did not complete.\n{error}"


def findings(verdict: Any, cluster_id: str) -> dict[str, Any]:
    """The findings for ``verdict`` (the ``egress_verification`` value) on ``cluster_id``."""
    outcome = verdict.get("outcome") if isinstance(verdict, Mapping) else None
    if outcome == SUCCESS:
        return _value(SUCCESS, (), "", "success", EGRESS_OK)
    if outcome == FAILURE:
        blocked = tuple(str(target) for target in verdict.get("blocked") or ())
        command = service_log_command(cluster_id, blocked)
        return _value(FAILURE, blocked, "", "warning", egress_blocked(cluster_id, blocked), command)
    if outcome == UNDEFINED:
        error = str(verdict.get("error") or "no reason given")
    else:
        error = f"the egress verdict is not understood: {verdict!r}"
    return _value(UNDEFINED, (), error, "warning", egress_not_verified(error))


def _value(
    outcome: str, blocked: Sequence[str], error: str, level: str, note: str, command: str = ""
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "blocked": list(blocked),
        "error": error,
        "level": level,
        "note": note,
        "service_log_command": command,
    }


def build_egress_findings(resources: Any) -> dict[str, Any]:
    """Run (or reuse) the verifier and word its verdict; a failing verifier propagates."""
    verdict = resources.get("egress_verification")
    return findings(verdict, str(resources.get("cluster").get("id") or ""))
