"""The routing-filter fields about a cluster (upstream's names), read from OCM resources.

Each value is computed only when a filter reaches it: the organisation and the owner
cost an extra OCM call each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cad_core.plugins.registrations import FilterField
from cad_core.run.context import Resources


def _cluster(*path: str) -> Callable[[Resources], object]:
    def value(resources: Resources) -> object:
        found: Any = resources.get("cluster")
        for key in path:
            found = found.get(key) if isinstance(found, Mapping) else None
        return found if isinstance(found, str | bool) else ""

    return value


def _hcp(resources: Resources) -> object:
    return _cluster("hypershift", "enabled")(resources) or False


def _owner(key: str) -> Callable[[Resources], object]:
    def value(resources: Resources) -> object:
        return (resources.get("owner") or {}).get(key, "")

    return value


def registrations() -> Iterator[FilterField]:
    yield FilterField("ClusterID", _cluster("id"), "the cluster's internal OCM id")
    yield FilterField("ClusterName", _cluster("name"), "the cluster's name")
    yield FilterField("ClusterState", _cluster("state"), "OCM state, e.g. ready, uninstalling")
    yield FilterField("CloudProvider", _cluster("cloud_provider", "id"), "aws, gcp, ...")
    yield FilterField("HCP", _hcp, "true for hosted control planes, else false")
    yield FilterField(
        "OrganizationID",
        lambda resources: resources.get("organization_id") or "",
        "the owning organisation's id",
    )
    yield FilterField("OwnerID", _owner("id"), "the subscription creator's account id")
    yield FilterField("OwnerEmail", _owner("email"), "the subscription creator's e-mail")
