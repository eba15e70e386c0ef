"""The cluster's kube API through a backplane remediation.

Upstream CAD gives every investigation its own remediation (its own service account and
RBAC, declared in the investigation's metadata); the ``kube`` resource is scoped to the
investigation, so each one gets a :class:`KubeClient` on the remediation named after it.

Typed helpers address objects by group/version/resource, as the apiserver does::

    kube.list_objects("v1", "secrets", namespace="openshift-config",
                      field_selector="type=kubernetes.io/tls")
    kube.get_object("config.openshift.io/v1", "apiservers", "cluster")
    kube.selector_matches(pdb["spec"]["selector"], pod["metadata"]["labels"])
    kube.quantity(node["status"]["capacity"]["memory"])  # "16374624Ki" -> 16767614976.0
    kube.timestamp(node["metadata"]["creationTimestamp"])  # an aware datetime, or None
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cad_core.errors import BadInputError, NotFoundError, PermanentError

from cad_ocm.http import ApiClient, json_body
from cad_ocm.settings import number

if TYPE_CHECKING:
    from datetime import datetime

    from cad_ocm.backplane import BackplaneClient

PAGE_SIZE = 500  # the page size kubectl and client-go use
PAGE_SIZE_SETTING = "CAD_KUBE_PAGE_SIZE"
MAX_PAGES = 1000  # a server that never stops handing out tokens must not hold a run forever


def api_path(
    api_version: str, resource: str, *, namespace: str | None = None, name: str | None = None
) -> str:
    """``/api/v1/...`` for the core group, ``/apis/<group>/<version>/...`` for the others."""
    prefix = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    parts = [prefix]
    if namespace:
        parts.append(f"namespaces/{namespace}")
    parts.append(resource)
    if name:
        parts.append(name)
    return "/".join(parts)


def page_size_setting() -> int:
    """``CAD_KUBE_PAGE_SIZE``: objects per list request (a whole number, 1 or more)."""
    value = number(PAGE_SIZE_SETTING)
    if value != int(value):
        raise BadInputError(f"{PAGE_SIZE_SETTING}={value:g} must be a whole number")
    return int(value)


class KubeClient:
    """The cluster's kube API as one remediation's service account.

    ``close()`` deletes the remediation (its service account and RBAC on the cluster, or on
    its management cluster when ``managing_cluster`` is set) and its ledger entry.
    """

    def __init__(
        self,
        backplane: BackplaneClient,
        cluster_id: str,
        remediation: str,
        proxy_uri: str,
        instance_id: str,
        page_size: int = PAGE_SIZE,
        managing_cluster: str = "",
    ) -> None:
        on = f" on the {managing_cluster} cluster" if managing_cluster else ""
        credential = f"backplane remediation {remediation!r}{on} (RBAC from its metadata)"
        self._api = ApiClient(
            backplane.base_url + proxy_uri.rstrip("/"),
            backplane.tokens,
            backplane.session,
            service="kube API",
            credential=credential,
        )
        self._backplane = backplane
        self.cluster_id = cluster_id
        self.remediation = remediation
        self.instance_id = instance_id
        self.page_size = page_size
        self.managing_cluster = managing_cluster  # "": the cluster's own kube API
        self._closed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        managing = f", managing_cluster={self.managing_cluster!r}" if self.managing_cluster else ""
        return (
            f"KubeClient(cluster={self.cluster_id!r}, remediation={self.remediation!r}{managing})"
        )

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        self._check_open()
        return self._api.get("/" + path.lstrip("/"), params)

    def _check_open(self) -> None:
        """Nothing goes out through a deleted remediation: its 404 would read as "no such
        object" (the core closes an investigation's remediation beside its plan)."""
        if self._closed:
            raise PermanentError(
                f"the kube API access of remediation {self.remediation!r} was closed; "
                'ask for ctx.resource("kube") again, or declare it in ActionExecutor.resources'
            )

    def list_objects(
        self,
        api_version: str,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every matching object, fetched in pages (``limit``/``continue``) of ``page_size``,
        by default ``CAD_KUBE_PAGE_SIZE`` (500)."""
        path = api_path(api_version, resource, namespace=namespace)
        params: dict[str, Any] = {"limit": str(page_size or self.page_size)}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        items: list[dict[str, Any]] = []
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            body = self.get(path, params)
            items.extend(item for item in body.get("items") or [] if isinstance(item, dict))
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return items
            if token in seen_tokens:  # a server bug would otherwise loop until the deadline
                raise PermanentError(f"kube API GET {path} handed out one continue token twice")
            seen_tokens.add(token)
            params["continue"] = token
        raise PermanentError(f"kube API GET {path} did not finish within {MAX_PAGES} pages")

    def get_object(
        self, api_version: str, resource: str, name: str, *, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The object, or None when the API answers 404."""
        try:
            return self.get(api_path(api_version, resource, namespace=namespace, name=name))
        except NotFoundError:
            return None

    # -- the few writes some investigations make (a Job, an annotation) --------------------

    def create_object(
        self, api_version: str, resource: str, body: Mapping[str, Any], *, namespace: str | None
    ) -> dict[str, Any]:
        """POST a new object; the apiserver's 409 (already exists) is raised as is."""
        path = api_path(api_version, resource, namespace=namespace)
        self._check_open()
        return json_body(self._api.request("POST", path, json=dict(body)), f"kube API POST {path}")

    def replace_object(
        self, api_version: str, resource: str, body: Mapping[str, Any], *, namespace: str | None
    ) -> dict[str, Any]:
        """PUT the object back (an update); its ``resourceVersion`` makes a concurrent change
        a 409 instead of a lost write."""
        name = str((body.get("metadata") or {}).get("name") or "")
        path = api_path(api_version, resource, namespace=namespace, name=name)
        self._check_open()
        return json_body(self._api.request("PUT", path, json=dict(body)), f"kube API PUT {path}")

    @staticmethod
    def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` match a ``LabelSelector`` (matchLabels, matchExpressions), as
        the apiserver matches them; a selector it would refuse raises ``ValueError``."""
        from cad_ocm.label_selectors import matches

        return matches(selector, labels)

    @staticmethod
    def quantity(value: Any) -> float | None:
        """A resource quantity as the apiserver writes it (``250m``, ``16Gi``, ``1e3``) in
        base units (cores, bytes); None for anything else, never an exception."""
        from cad_ocm.kube_values import quantity

        return quantity(value)

    @staticmethod
    def timestamp(value: Any) -> datetime | None:
        """An RFC 3339 time as the apiserver writes it (``2026-01-01T00:00:00Z``) as an
        aware datetime; None for anything else, never an exception."""
        from cad_ocm.kube_values import timestamp

        return timestamp(value)

    def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """A plain-text reply: a pod's ``log``, ``/healthz``."""
        self._check_open()
        return self._api.request("GET", "/" + path.lstrip("/"), params=params).text

    def close(self) -> None:
        with self._lock:
            if self._closed or not self.instance_id:
                return
            self._closed = True
        self._backplane.delete_remediation(self.cluster_id, self.instance_id, self.managing_cluster)
