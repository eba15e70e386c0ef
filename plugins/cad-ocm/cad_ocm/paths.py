"""OCM and backplane API paths, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLUSTERS = "/api/clusters_mgmt/v1/clusters"
SERVICE_LOGS = "/api/service_logs/v1/cluster_logs"
SUBSCRIPTIONS = "/api/accounts_mgmt/v1/subscriptions"
ACCOUNTS = "/api/accounts_mgmt/v1/accounts"
REGISTRY_CREDENTIALS = "/api/accounts_mgmt/v1/registry_credentials"
REGISTRIES = "/api/accounts_mgmt/v1/registries"
ACCESS_PROTECTION = "/api/access_transparency/v1/access_protection"


def cluster_path(cluster: Mapping[str, Any], suffix: str = "") -> str:
    """A clusters_mgmt path under the cluster's INTERNAL id."""
    return f"{CLUSTERS}/{cluster['id']}{suffix}"


def cluster_logs_path(cluster: Mapping[str, Any]) -> str:
    """Service logs are listed by the cluster's EXTERNAL id."""
    return f"/api/service_logs/v1/clusters/{cluster['external_id']}/cluster_logs"


def limited_support_path(cluster: Mapping[str, Any]) -> str:
    return cluster_path(cluster, "/limited_support_reasons")
