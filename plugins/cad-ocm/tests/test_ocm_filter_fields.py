"""The cluster fields cad-ocm registers for routing filters, through its entry point."""

from __future__ import annotations

from typing import Any

import pytest
from cad_core.plugins.registrations import Resource
from cad_core.run.chains import filter_lookup
from cad_core.run.context import Resources

CLASSIC = {
    "id": "2abc",
    "name": "cluster-a",
    "state": "ready",
    "cloud_provider": {"id": "aws"},
    "hypershift": {"enabled": False},
}
OWNER = {"id": "acc-7", "email": "jdoe@example.com"}


def lookup(registry: Any, cluster: dict[str, Any], built: list[str] | None = None) -> Any:
    def provide(name: str, value: Any) -> Resource:
        def build(_resources: Resources) -> Any:
            (built if built is not None else []).append(name)
            return value

        return Resource(name, build)

    resources = Resources(
        {
            "cluster": provide("cluster", cluster),
            "organization_id": provide("organization_id", "org-1"),
            "owner": provide("owner", OWNER),
        },
        cluster_id="2abc",
    )
    return filter_lookup(resources, None, "chgm", ocm_registry_fields(registry))


def ocm_registry_fields(registry: Any) -> Any:
    fields = registry.filter_fields()
    assert {f for f in fields} >= {"ClusterID", "HCP", "OwnerEmail"}
    return fields


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ClusterID", "2abc"),
        ("ClusterName", "cluster-a"),
        ("ClusterState", "ready"),
        ("CloudProvider", "aws"),
        ("HCP", "false"),
        ("OrganizationID", "org-1"),
        ("OwnerID", "acc-7"),
        ("OwnerEmail", "jdoe@example.com"),
    ],
)
def test_each_cluster_field(ocm_registry, field: str, value: str) -> None:
    assert lookup(ocm_registry, CLASSIC)(field) == value


def test_hcp_is_true_for_hosted_control_planes_and_false_when_unknown(ocm_registry) -> None:
    assert lookup(ocm_registry, {**CLASSIC, "hypershift": {"enabled": True}})("HCP") == "true"
    bare = lookup(ocm_registry, {"id": "2abc"})
    assert (bare("HCP"), bare("ClusterName"), bare("CloudProvider")) == ("false", "", "")


def test_fields_fetch_only_what_a_filter_reaches(ocm_registry) -> None:
    built: list[str] = []
    fields = lookup(ocm_registry, CLASSIC, built)
    fields("ClusterState")
    assert built == ["cluster"]  # no organisation or owner call for a cluster field
    fields("OwnerEmail")
    assert built == ["cluster", "owner"]
