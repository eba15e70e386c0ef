"""End of life: how far the cluster's minor version lags the newest one its channel
offers, from the public upgrade graph (``GET <CAD_UPGRADE_GRAPH_URL>/api/upgrades_info/v1/
graph?channel=<prefix>-4.<minor>``), as upstream's cluster-health-check asks it.

A minor whose channel lists no version ends the walk; any failure says nothing (no line),
as upstream: the check is a hint, not a finding.
"""

from __future__ import annotations

from typing import Any

from cad_clustertools.kubeview import Obj

URL_SETTING = "CAD_UPGRADE_GRAPH_URL"
DEFAULT_URL = "https://api.openshift.com"
GRAPH_PATH = "/api/upgrades_info/v1/graph"
LOOK_AHEAD = 10  # minors come about every four months: ten is years ahead
BEHIND = 2  # more minors behind than this is end of life
TIMEOUT_S = 10.0


def minor_of(version: str) -> int | None:
    parts = version.split(".")
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def channel_prefix(channel: str) -> str:
    """``stable`` of ``stable-4.16``; ``stable`` when the cluster names no channel."""
    return channel.rsplit("-", 1)[0] if "-" in channel else "stable"


def _has_versions(session: Any, base: str, channel: str) -> bool:
    reply = session.get(
        base + GRAPH_PATH,
        params={"channel": channel},
        headers={"Accept": "application/json"},
        timeout=TIMEOUT_S,
    )
    reply.raise_for_status()
    return bool((reply.json() or {}).get("nodes"))


def eol_warning(version_obj: Obj, current: str) -> str:
    """The EOL issue for the Cluster Version line, or ``""``."""
    import requests

    minor = minor_of(current)
    if minor is None:
        return ""
    prefix = channel_prefix(str((version_obj.get("spec") or {}).get("channel") or ""))
    from cad_core.settings import setting

    from cad_clustertools.plugin import UPGRADE_GRAPH_URL

    base = setting(UPGRADE_GRAPH_URL).rstrip("/") or DEFAULT_URL
    latest = minor
    try:
        with requests.Session() as session:
            for candidate in range(minor + 1, minor + LOOK_AHEAD):
                if not _has_versions(session, base, f"{prefix}-4.{candidate}"):
                    break
                latest = candidate
    except (requests.RequestException, ValueError):
        return ""
    if latest - minor <= BEHIND:
        return ""
    return (
        f"EOL: version {current} is more than {BEHIND} minor versions behind the newest in "
        f"its channel ({prefix}-4.{latest})"
    )
