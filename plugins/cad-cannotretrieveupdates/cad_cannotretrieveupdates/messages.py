"""Every text cannotretrieveupdates writes: incident notes and the escalation reason."""

from __future__ import annotations

from collections.abc import Sequence

EGRESS_SERVICE_LOG_TEMPLATE = (
    "https://raw.githubusercontent.com/openshift/managed-notifications/master/osd/"
    "required_network_egresses_are_blocked.json"
)
EGRESS_OK = "The egress check found no blocked endpoints"


def egress_blocked(cluster_id: str, blocked: Sequence[str]) -> str:
    return (
        f"The egress check found endpoints the cluster cannot reach: {', '.join(blocked)}.\n"
        "Please confirm this and, if it holds, send the customer the blocked-egress service "
        f"log:\nosdctl servicelog post --cluster-id {cluster_id} -t "
        f"{EGRESS_SERVICE_LOG_TEMPLATE} -p URLS={','.join(blocked)}"
    )


def egress_not_verified(error: str) -> str:
    return f"Egress was not verified: the network verifier did not complete.\n{error}"


def unreachable(error: str) -> str:
    return (
        f"CAD could not reach the cluster's API, so the ClusterVersion was not checked ({error})."
    )


def version_unreadable(error: str) -> str:
    return f"CAD could not read the ClusterVersion ({error})."


def version_found(version: str) -> str:
    return f"ClusterVersion found: the cluster's desired version is {version or 'unknown'}"


def retrieval_failed(reason: str, message: str, version: str, channel: str) -> str:
    return (
        f"The cluster cannot retrieve updates (reason {reason or 'none'}): "
        f"{message or 'no message'}. The cluster is at version {version or 'unknown'} on "
        f"channel {channel or '(none set)'}."
    )


RETRIEVAL_OK = "The ClusterVersion reports no failure to retrieve updates"
ESCALATE = "CAD noted the egress verdict and the ClusterVersion; please review the update path"
