"""The sandbox's stand-in for the public upgrade graph (cad-sandbox serves it).

Scenario key ``upgrade_graph``: ``{channel: [versions]}``; a channel it does not name has
no versions. ``GET /api/upgrades_info/v1/graph?channel=...`` answers ``{"nodes": [...]}``.
"""

from __future__ import annotations

from typing import Any

from cad_core.plugins.simulation import SandboxSimulator, SimError, SimRequest


def seed(value: Any = None) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
    ):
        raise ValueError("upgrade_graph must map channels to lists of version strings")
    return {str(k): list(v) for k, v in value.items()}


def graph(request: SimRequest, channels: dict[str, list[str]]) -> Any:
    channel = request.query.get("channel")
    if not channel:
        raise SimError(400, "channel is required")
    versions = channels.get(channel, [])
    return {
        "nodes": [{"version": v, "payload": f"quay.io/openshift/release:{v}"} for v in versions],
        "edges": [],
    }


SIMULATOR = SandboxSimulator(
    name="upgrade_graph",
    setting="CAD_UPGRADE_GRAPH_URL",
    routes={"GET /api/upgrades_info/v1/graph": graph},
    seed=seed,
    description="the public OpenShift upgrade graph (clusterhealthcheck's end-of-life check)",
)
