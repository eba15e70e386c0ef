"""Resource factories: the contract of ``docs/resources.md``.

Each factory builds on the others through ``resources.get``, so one run fetches the
cluster once however many resources and investigations need it. Nothing here imports
``requests`` or ``boto3`` at module level: the plugin's hooks import this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from cad_core.errors import BadInputError, NotFoundError, PermanentError, ResourceError
from cad_core.plugins.registrations import Resource
from cad_core.run.context import Resources

from cad_ocm.aws import session_from_reply
from cad_ocm.paths import (
    ACCOUNTS,
    REGISTRIES,
    REGISTRY_CREDENTIALS,
    SUBSCRIPTIONS,
    cluster_path,
)
from cad_ocm.protection import build_access_protected
from cad_ocm.settings import Settings

INFRA_LABELS = {
    ("ext-hypershift.openshift.io/cluster-type", "management-cluster"),
    ("ext-hypershift.openshift.io/cluster-type", "service-cluster"),
    ("ext-managed.openshift.io/hive-shard", "true"),
}


def build_ocm(resources: Resources) -> Any:
    from cad_ocm.ocm import OcmClient

    return OcmClient.from_env()


def backplane(resources: Resources) -> Any:
    """The backplane client; checks every needed setting first so all are named at once."""
    from cad_ocm.backplane import BackplaneClient
    from cad_ocm.grants import GrantLedger, ledger_key

    settings = Settings.from_env(backplane=True)
    ledger = GrantLedger(key=ledger_key(settings.client_secret))
    return BackplaneClient(resources.get("ocm"), settings.backplane_url, ledger)


def build_cluster(resources: Resources) -> dict[str, Any]:
    cluster: dict[str, Any] = resources.get("ocm").find_cluster(resources.cluster_id)
    return cluster


def _cluster_path(resources: Resources, suffix: str) -> str:
    return cluster_path(resources.get("cluster"), suffix)


def build_cluster_deployment(resources: Resources) -> dict[str, Any]:
    path = _cluster_path(resources, "/resources/live")
    live = resources.get("ocm").get(path).get("resources") or {}
    raw = live.get("cluster_deployment")
    if not raw:
        raise NotFoundError(f"OCM GET {path} holds no cluster_deployment")
    try:
        deployment = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise PermanentError(f"OCM GET {path}: cluster_deployment is not valid JSON") from None
    if not isinstance(deployment, dict):
        raise PermanentError(f"OCM GET {path}: cluster_deployment is not an object")
    return deployment


def build_machine_pools(resources: Resources) -> list[dict[str, Any]]:
    pools: list[dict[str, Any]] = resources.get("ocm").list_items(
        _cluster_path(resources, "/machine_pools")
    )
    return pools


class ServiceLogs:
    """The ``service_logs`` resource: searches the cluster's service logs on demand."""

    def __init__(self, resources: Resources) -> None:
        self._ocm = resources.get("ocm")
        self._cluster = resources.get("cluster")

    def search(self, query: str = "") -> list[dict[str, Any]]:
        """Matching entries, oldest first. ``query`` is OCM search syntax."""
        logs: list[dict[str, Any]] = self._ocm.service_logs(self._cluster, query)
        return logs


def build_hibernation_periods(resources: Resources) -> list[dict[str, Any]]:
    from cad_ocm.hibernation import QUERY, hibernation_periods  # chgm's egress path only

    return hibernation_periods(resources.get("service_logs").search(QUERY))


def build_infra_cluster(resources: Resources) -> bool:
    """Hive, management or service cluster? HCP clusters never are (and OCM has no
    labels endpoint for them). Errors propagate so the core's guard fails closed."""
    cluster = resources.get("cluster")
    if (cluster.get("hypershift") or {}).get("enabled"):
        return False
    path = _cluster_path(resources, "/external_configuration/labels")
    labels = resources.get("ocm").list_items(path)
    return any((label.get("key"), label.get("value")) in INFRA_LABELS for label in labels)


def _subscription(resources: Resources) -> dict[str, Any] | None:
    sub_id = (resources.get("cluster").get("subscription") or {}).get("id")
    if not sub_id:
        return None
    ocm = resources.get("ocm")
    subscription: dict[str, Any] = ocm.get_cached(f"{SUBSCRIPTIONS}/{sub_id}")
    return subscription


def build_organization_id(resources: Resources) -> str:
    subscription = _subscription(resources) or {}
    return str(subscription.get("organization_id") or "")


def build_owner(resources: Resources) -> dict[str, Any]:
    subscription = _subscription(resources)
    if subscription is None:
        raise NotFoundError("the cluster has no subscription, so its owner is unknown")
    creator_id = (subscription.get("creator") or {}).get("id")
    if not creator_id:
        raise NotFoundError(f"subscription {subscription.get('id')} names no creator")
    account: dict[str, Any] = resources.get("ocm").get(f"{ACCOUNTS}/{creator_id}")
    return account


def build_owner_ban(resources: Resources) -> dict[str, Any]:
    """``{"banned", "code", "description"}`` of the owner's account; OCM leaves the code and
    description out for an account in good standing, so they are then empty."""
    owner = resources.get("owner")
    banned = owner.get("banned")
    if not isinstance(banned, bool):
        raise PermanentError(f"OCM account {owner.get('id')} does not say whether it is banned")
    return {
        "banned": banned,
        "code": str(owner.get("ban_code") or ""),
        "description": str(owner.get("ban_description") or ""),
    }


def build_registry_credentials(resources: Resources) -> list[dict[str, Any]]:
    """The owner's registry credentials, each with its registry's name resolved.

    Items are ``{"registry", "registry_id", "username", "token"}``; ``registry`` is empty
    when the credential names no registry. The token is a secret: compare it, never show it.
    """
    from cad_ocm.ocm import search_literal

    owner_id = str(resources.get("owner").get("id") or "")
    if not owner_id:
        raise NotFoundError("the cluster owner's account has no id")
    ocm = resources.get("ocm")
    items = ocm.list_items(
        REGISTRY_CREDENTIALS, {"search": f"account_id = {search_literal(owner_id)}"}
    )
    credentials = []
    for item in items:
        registry_id = str((item.get("registry") or {}).get("id") or "")
        name = ""
        if registry_id:
            path = f"{REGISTRIES}/{quote(registry_id, safe='')}"
            name = str(ocm.get_cached(path).get("name") or "")
        credentials.append(
            {
                "registry": name,
                "registry_id": registry_id,
                "username": str(item.get("username") or ""),
                "token": str(item.get("token") or ""),
            }
        )
    return credentials


def build_cloud_credentials(resources: Resources) -> dict[str, Any]:
    """Backplane's cloud credentials for the customer's account, checked but not yet a boto3
    session: ``ccam`` needs only to know whether they can be had, so an alert whose chain
    makes no AWS call never imports the AWS SDK. A failure keeps backplane's own text
    (e.g. the missing support role), which ``ccam`` matches on. The value holds secrets."""
    from cad_ocm.aws import parse_credentials

    # Reads ahead may build this before precheck runs: a customer who turned on access
    # protection must never see CAD fetch their cloud credentials, so ask first.
    if resources.get("access_protected"):
        raise PermanentError(
            "the cluster is access-protected, so CAD does not fetch its cloud credentials"
        )
    client = backplane(resources)
    cluster = resources.get("cluster")
    reply = client.cloud_credentials(cluster["id"])
    region = (cluster.get("region") or {}).get("id", "")
    return {"credentials": parse_credentials(reply), "region": reply.get("region") or region}


def build_aws_session(resources: Resources) -> Any:
    """boto3 session from ``cloud_credentials``; its failure is this resource's failure
    (with backplane's text), as it was before the credentials became a resource."""
    try:
        reply = resources.get("cloud_credentials")
    except ResourceError as failure:
        raise failure.cause from None
    return session_from_reply(reply)


def build_kube(resources: Resources) -> Any:
    """Built once per investigation: the remediation (and so the RBAC) is the asker's own.
    The client lists and gets by group/version/resource (see :mod:`cad_ocm.kube`)."""
    from cad_ocm.kube import page_size_setting

    page_size = page_size_setting()  # a bad setting is bad input before any request
    investigation = resources.run.investigation
    if not investigation:
        raise BadInputError(
            "the kube resource needs a running investigation: its name "
            "selects the backplane remediation (and so the RBAC)"
        )
    client = backplane(resources)
    return client.open_remediation(resources.get("cluster")["id"], investigation, page_size)


def build_egress_verification(resources: Resources) -> dict[str, Any]:
    from cad_ocm.egress import build_egress_verification as verify

    return verify(resources)


def build_egress_findings(resources: Resources) -> dict[str, Any]:
    from cad_ocm.egress_findings import build_egress_findings as word

    return word(resources)


def build_pull_secret(resources: Resources) -> dict[str, Any]:
    from cad_ocm.pullsecret import build_pull_secret as read

    return read(resources)


def build_pull_secret_check(resources: Resources) -> dict[str, Any]:
    from cad_ocm.pullsecret_check import build_pull_secret_check as compare

    return compare(resources)


def build_owner_ban_findings(resources: Resources) -> dict[str, Any]:
    from cad_ocm.owner_findings import build_owner_ban_findings as word

    return word(resources)


def build_pull_secret_findings(resources: Resources) -> dict[str, Any]:
    from cad_ocm.owner_findings import build_pull_secret_findings as word

    return word(resources)


def build_owner_checks(resources: Resources) -> dict[str, Any]:
    from cad_ocm.owner_findings import build_owner_checks as check

    return check(resources)


def warm_ocm_token(resources: Resources) -> bool:
    """Fetch the OCM client's access token now (the client renews it later by itself), so
    the SSO round trip overlaps the alert read instead of delaying the cluster lookup."""
    resources.get("ocm").tokens.token()
    return True


def load_aws_sdk(resources: Resources) -> bool:
    """Import boto3 now: the import costs more CPU than a round trip, and made while the
    alert and the cluster are read it is off the path to the first AWS call."""
    import boto3.session  # noqa: F401
    import botocore.session  # noqa: F401

    return True


# What each factory asks for (``Resource.needs``): a prefetch builds those first.
ON_CLUSTER = ("ocm", "cluster")


def registrations() -> Iterator[Resource]:
    yield Resource("ocm", build_ocm, "the OCM API client", before_alert=True)
    yield Resource(
        "ocm_token",
        warm_ocm_token,
        "fetches the OCM access token ahead of the first OCM call (prefetch it; the value "
        "is only True)",
        needs=("ocm",),
        before_alert=True,
    )
    yield Resource(
        "aws_sdk",
        load_aws_sdk,
        "imports the AWS SDK ahead of the first AWS call (prefetch it; the value is only True)",
    )
    yield Resource("cluster", build_cluster, "the OCM cluster object", needs=("ocm",))
    yield Resource(
        "cluster_deployment",
        build_cluster_deployment,
        "the Hive ClusterDeployment (from resources/live)",
        needs=ON_CLUSTER,
    )
    yield Resource(
        "machine_pools", build_machine_pools, "the cluster's OCM machine pools", needs=ON_CLUSTER
    )
    yield Resource(
        "service_logs", ServiceLogs, "search the cluster's service logs", needs=ON_CLUSTER
    )
    yield Resource(
        "hibernation_periods",
        build_hibernation_periods,
        "hibernation periods from cluster-state service logs",
        needs=("service_logs",),
    )
    yield Resource(
        "infra_cluster",
        build_infra_cluster,
        "whether this is a hive, management or service cluster",
        needs=ON_CLUSTER,
    )
    yield Resource(
        "organization_id",
        build_organization_id,
        "the owning organization's id",
        needs=ON_CLUSTER,
    )
    yield Resource("owner", build_owner, "the subscription creator's account", needs=ON_CLUSTER)
    yield Resource(
        "owner_ban",
        build_owner_ban,
        "whether the owner's account is banned, with code and text",
        needs=("owner",),
    )
    yield Resource(
        "owner_ban_findings",
        build_owner_ban_findings,
        "the owner's ban with the note line and escalation reason to write",
        needs=("owner_ban",),
    )
    yield Resource(
        "registry_credentials",
        build_registry_credentials,
        "the owner's OCM registry credentials, with registry names (tokens are secret)",
        needs=("ocm", "owner"),
    )
    yield Resource(
        "access_protected",
        build_access_protected,
        "whether access protection is enabled",
        # Not "cluster": it is read by the alert's id beside the cluster search, and checked
        # against the search's answer after (cad_ocm/protection.py).
        needs=("ocm",),
    )
    yield Resource(
        "cloud_credentials",
        build_cloud_credentials,
        "backplane's cloud credentials for the customer's AWS account, checked (secret)",
        needs=(*ON_CLUSTER, "access_protected"),
    )
    yield Resource(
        "aws_session",
        build_aws_session,
        "boto3 session for the customer's AWS account (from cloud_credentials)",
        needs=("cloud_credentials",),
    )
    yield Resource(
        "pull_secret",
        build_pull_secret,
        "the cluster's openshift-config/pull-secret auths (through kube; credentials inside)",
        scope="investigation",  # read with the asking investigation's remediation (RBAC)
        needs=("kube",),
    )
    yield Resource(
        "pull_secret_check",
        build_pull_secret_check,
        "the pull secret compared with the owner's OCM account: findings name registries only",
        scope="investigation",  # built on pull_secret, which is read with the asker's RBAC
        needs=("pull_secret", "owner", "registry_credentials"),
    )
    yield Resource(
        "pull_secret_findings",
        build_pull_secret_findings,
        "the pull-secret check's note lines; an unreachable API or unreadable secret is a finding",
        scope="investigation",  # built on pull_secret, which is read with the asker's RBAC
        needs=("pull_secret", "pull_secret_check"),
    )
    yield Resource(
        "owner_checks",
        build_owner_checks,
        "the owner's ban, then the pull secret, with every note line and the escalation reason",
        scope="investigation",  # reads pull_secret_findings, which is per asker
        needs=("owner_ban_findings", "pull_secret_findings"),
    )
    yield Resource(
        "egress_verification",
        build_egress_verification,
        "the egress verifier's verdict for the cluster's network (run once per run)",
        needs=("cluster", "aws_session"),
    )
    yield Resource(
        "egress_findings",
        build_egress_findings,
        "the egress verdict with the note line to write (and the osdctl service-log command)",
        needs=("egress_verification", "cluster"),
    )
    yield Resource(
        "kube",
        build_kube,
        "the cluster's kube API through a backplane remediation",
        scope="investigation",
        needs=ON_CLUSTER,
    )
