"""Every text cannotretrieveupdates writes: incident notes and the escalation reason."""

from __future__ import annotations


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
