"""OCM wire objects built from the world, shaped like recorded OCM responses."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from cad_ocm.sandbox.aws_scenario import AWS_ACCOUNT, REGION
from cad_ocm.sandbox.state import ClusterState

CLUSTERS = "/api/clusters_mgmt/v1/clusters"
ACCOUNTS_MGMT = "/api/accounts_mgmt/v1"
SERVICE_LOGS = "/api/service_logs/v1"
BASE_DOMAIN = "sandbox.devshift.org"
OPENSHIFT_VERSION = "4.18.1"


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ocm_list(kind: str, items: list[dict[str, Any]], page: int, size: int) -> dict[str, Any]:
    """An OCM list page. Like recorded OCM replies, an empty page has no ``items`` at all."""
    chosen = items if size < 0 else items[(page - 1) * size : page * size]
    body: dict[str, Any] = {"kind": kind, "page": page, "size": len(chosen), "total": len(items)}
    if chosen:
        body["items"] = chosen
    return body


def cluster_json(cluster: ClusterState, now: datetime) -> dict[str, Any]:
    seed = cluster.seed
    href = f"{CLUSTERS}/{seed.id}"
    body: dict[str, Any] = {
        "kind": "Cluster",
        "id": seed.id,
        "href": href,
        "name": seed.display_name,
        "display_name": seed.display_name,
        "domain_prefix": seed.display_name,
        "external_id": cluster.external_id,
        "creation_timestamp": timestamp(now - timedelta(days=30)),
        "state": seed.state,
        "status": {
            "state": seed.state,
            "dns_ready": seed.dns_ready,
            "limited_support_reason_count": len(cluster.limited_support_reasons),
        },
        "product": _link(
            "ProductLink", seed.product, f"/api/clusters_mgmt/v1/products/{seed.product}"
        ),
        "cloud_provider": _link(
            "CloudProviderLink",
            seed.cloud_provider,
            f"/api/clusters_mgmt/v1/cloud_providers/{seed.cloud_provider}",
        ),
        "region": _link(
            "CloudRegionLink",
            REGION,
            f"/api/clusters_mgmt/v1/cloud_providers/{seed.cloud_provider}/regions/{REGION}",
        ),
        "subscription": _link(
            "SubscriptionLink",
            cluster.subscription_id,
            f"{ACCOUNTS_MGMT}/subscriptions/{cluster.subscription_id}",
        ),
        "ccs": {"enabled": seed.ccs, "disable_scp_checks": False},
        "hypershift": {"enabled": seed.hcp},
        "nodes": _nodes(cluster),
        "openshift_version": OPENSHIFT_VERSION,
        "api": {"url": f"https://api.{seed.display_name}.{BASE_DOMAIN}:6443"},
        "console": {
            "url": f"https://console-openshift-console.apps.{seed.display_name}.{BASE_DOMAIN}"
        },
        "dns": {"base_domain": BASE_DOMAIN},
        "network": {"machine_cidr": seed.machine_cidr, "type": "OVNKubernetes"},
        "machine_pools": {"kind": "MachinePoolListLink", "href": f"{href}/machine_pools"},
        "managed": True,
        "multi_az": False,
        "billing_model": "standard",
    }
    if seed.infra_id:
        body["infra_id"] = seed.infra_id
    if seed.cloud_provider == "aws":
        body["aws"] = _aws(cluster)
    return body


def _link(kind: str, link_id: str, href: str) -> dict[str, str]:
    return {"kind": kind, "id": link_id, "href": href}


def _nodes(cluster: ClusterState) -> dict[str, Any]:
    seed = cluster.seed
    nodes: dict[str, Any] = {
        "master": seed.nodes.master,
        "infra": seed.nodes.infra,
        "availability_zones": [f"{REGION}a"],
    }
    compute = seed.nodes.compute
    if compute is None and seed.machine_pools and all(p.replicas for p in seed.machine_pools):
        compute = sum(p.replicas or 0 for p in seed.machine_pools)
    if compute is not None:
        nodes["compute"] = compute
    return nodes


def _aws(cluster: ClusterState) -> dict[str, Any]:
    seed = cluster.seed
    sts = seed.product == "rosa"
    role = f"arn:aws:iam::{AWS_ACCOUNT}:role/ManagedOpenShift"
    return {
        "private_link": seed.private_link,
        "subnet_ids": list(seed.subnet_ids),
        "sts": (
            {
                "enabled": True,
                "role_arn": f"{role}-Installer-Role",
                "support_role_arn": f"{role}-Support-Role",
            }
            if sts
            else {"enabled": False}
        ),
        "tags": {"red-hat-clustertype": seed.product, "red-hat-managed": "true"},
    }


def machine_pool_items(cluster: ClusterState) -> list[dict[str, Any]]:
    items = []
    for pool in cluster.seed.machine_pools:
        item: dict[str, Any] = {
            "kind": "MachinePool",
            "href": f"{CLUSTERS}/{cluster.id}/machine_pools/{pool.id}",
            "id": pool.id,
            "instance_type": "m5.xlarge",
            "availability_zones": [f"{REGION}a"],
        }
        if pool.replicas is not None:
            item["replicas"] = pool.replicas
        if pool.autoscaling is not None:
            item["autoscaling"] = {
                "min_replicas": pool.autoscaling.min_replicas,
                "max_replicas": pool.autoscaling.max_replicas,
            }
        items.append(item)
    return items


def live_resources(cluster: ClusterState) -> dict[str, Any]:
    """``resources/live``: each resource is a JSON *string*, as OCM returns it."""
    seed = cluster.seed
    if not seed.infra_id:  # HCP clusters have no Hive ClusterDeployment
        return {"resources": {}}
    deployment = {
        "apiVersion": "hive.openshift.io/v1",
        "kind": "ClusterDeployment",
        "metadata": {"name": seed.display_name, "namespace": f"uhc-production-{seed.id}"},
        "spec": {
            "baseDomain": BASE_DOMAIN,
            "clusterName": seed.display_name,
            "installed": True,
            "clusterMetadata": {
                "clusterID": cluster.external_id,
                "infraID": seed.infra_id,
                "adminKubeconfigSecretRef": {"name": f"{seed.display_name}-admin-kubeconfig"},
            },
            "platform": {seed.cloud_provider: {"region": REGION}},
        },
    }
    return {"resources": {"cluster_deployment": json.dumps(deployment)}}


def label_items(cluster: ClusterState) -> list[dict[str, Any]]:
    if cluster.seed.infra_cluster is not True:
        return []
    href = f"{CLUSTERS}/{cluster.id}/external_configuration/labels/hive-shard"
    label = {"kind": "Label", "href": href, "id": "hive-shard", "internal": False}
    return [{**label, "key": "ext-managed.openshift.io/hive-shard", "value": "true"}]


def hypershift_config(cluster: ClusterState) -> dict[str, Any]:
    seed = cluster.seed
    if not seed.hcp:
        return {"enabled": False}
    return {
        "enabled": True,
        "hcp_namespace": f"ocm-production-{seed.id}-{seed.display_name}",
        "management_cluster": "hs-mc-sandbox",
    }


def limited_support_json(cluster: ClusterState, reason: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "LimitedSupportReason",
        "id": reason["id"],
        "href": f"{CLUSTERS}/{cluster.id}/limited_support_reasons/{reason['id']}",
        "summary": reason["summary"],
        "details": reason["details"],
        "detection_type": reason["detection_type"],
        "creation_timestamp": timestamp(reason["created_at"]),
    }


def subscription_json(cluster: ClusterState) -> dict[str, Any]:
    seed = cluster.seed
    return {
        "kind": "Subscription",
        "id": cluster.subscription_id,
        "href": f"{ACCOUNTS_MGMT}/subscriptions/{cluster.subscription_id}",
        "organization_id": seed.organization_id,
        "creator": _link(
            "Account", cluster.account_id, f"{ACCOUNTS_MGMT}/accounts/{cluster.account_id}"
        ),
        "status": "Active",
        "cluster_id": seed.id,
        "external_cluster_id": cluster.external_id,
        "display_name": seed.display_name,
        "managed": True,
    }


def owner_email(cluster: ClusterState) -> str:
    return cluster.seed.owner.email or f"owner@{cluster.seed.organization_id}.example.com"


def account_json(cluster: ClusterState) -> dict[str, Any]:
    organization, owner = cluster.seed.organization_id, cluster.seed.owner
    body: dict[str, Any] = {
        "kind": "Account",
        "id": cluster.account_id,
        "href": f"{ACCOUNTS_MGMT}/accounts/{cluster.account_id}",
        "email": owner_email(cluster),
        "username": f"{organization}-owner",
        "first_name": "Sandbox",
        "last_name": "Owner",
        "banned": owner.banned,
        "organization": {"kind": "Organization", "id": organization},
    }
    if owner.banned:  # OCM leaves both out for an account in good standing
        body["ban_code"] = owner.ban_code
        body["ban_description"] = owner.ban_description
    return body


def registry_id(name: str) -> str:
    return "reg-" + name.replace(".", "-").replace(":", "-")


def registry_credential_items(cluster: ClusterState) -> list[dict[str, Any]]:
    items = []
    for number, credential in enumerate(cluster.seed.owner.registry_credentials, start=1):
        cred_id = f"rc-{cluster.id}-{number}"
        reg = registry_id(credential.registry)
        items.append(
            {
                "kind": "RegistryCredential",
                "id": cred_id,
                "href": f"{ACCOUNTS_MGMT}/registry_credentials/{cred_id}",
                "account": _link(
                    "Account", cluster.account_id, f"{ACCOUNTS_MGMT}/accounts/{cluster.account_id}"
                ),
                "registry": _link("Registry", reg, f"{ACCOUNTS_MGMT}/registries/{reg}"),
                "username": credential.username,
                "token": credential.token,
            }
        )
    return items


def registry_json(name: str) -> dict[str, Any]:
    reg = registry_id(name)
    return {
        "kind": "Registry",
        "id": reg,
        "href": f"{ACCOUNTS_MGMT}/registries/{reg}",
        "name": name,
        "url": f"https://{name}",
        "type": "Red Hat",
    }


def service_log_json(cluster: ClusterState, log: dict[str, Any]) -> dict[str, Any]:
    body = {
        "kind": "ClusterLog",
        "id": log["id"],
        "href": f"{SERVICE_LOGS}/cluster_logs/{log['id']}",
        "cluster_id": cluster.id,
        "cluster_uuid": cluster.external_id,
        "created_at": timestamp(log["timestamp"]),
        "created_by": log["username"] or "service-account-ocm-cs-production",
        "timestamp": timestamp(log["timestamp"]),
        "severity": log["severity"],
        "service_name": log["service_name"],
        "summary": log["summary"],
        "description": log["description"],
        "internal_only": log["internal_only"],
        "username": log["username"],
        "email": "",
        "first_name": "",
        "last_name": "",
        "event_stream_id": f"stream-{log['id']}",
    }
    if log["log_type"] is not None:
        body["log_type"] = log["log_type"]
    return body
