"""OCM: clusters_mgmt, accounts_mgmt, service_logs and access_transparency.

Every call needs a bearer token the simulated SSO issued. Errors use OCM's error object,
with the code prefix of the API that failed (``CLUSTERS-MGMT-404`` and so on).
"""

from __future__ import annotations

import uuid
from typing import Any, get_args

from cad_core.plugins.simwire import (
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
    segment,
)

from cad_ocm.sandbox import ocm_payloads as payloads
from cad_ocm.sandbox.scenario import Severity
from cad_ocm.sandbox.search import SearchError, compile_search
from cad_ocm.sandbox.state import ClusterState, StateSimulator, utc_now

ERROR_PREFIXES = {
    "clusters_mgmt": "CLUSTERS-MGMT",
    "accounts_mgmt": "ACCOUNT-MGMT",
    "service_logs": "SERVICE-LOGS",
    "access_transparency": "ACCESS-TRANSPARENCY",
}
CLUSTER_SEARCH_FIELDS = (
    "id",
    "external_id",
    "display_name",
    "name",
    "state",
    "infra_id",
    "product.id",
    "cloud_provider.id",
    "hypershift.enabled",
    "ccs.enabled",
)
LOG_SEARCH_FIELDS = (
    "summary",
    "description",
    "log_type",
    "severity",
    "service_name",
    "username",
    "internal_only",
    "cluster_id",
    "cluster_uuid",
)
SEVERITIES = get_args(Severity)  # the scenario schema owns the list
UNINSTALLING = "Operation is not allowed for a cluster in 'uninstalling' state"


def ocm_error(request: Request, status: int, reason: str) -> Response:
    api = request.path.split("/")[2] if request.path.startswith("/api/") else "clusters_mgmt"
    prefix = ERROR_PREFIXES.get(api, "CLUSTERS-MGMT")
    body = {
        "kind": "Error",
        "id": str(status),
        "href": f"/api/{api}/v1/errors/{status}",
        "code": f"{prefix}-{status}",
        "reason": reason,
        "operation_id": str(uuid.uuid4()),
    }
    return json_response(status, body)


class OcmSimulator(StateSimulator):
    def add_routes(self, router: Router) -> None:
        cluster = f"{payloads.CLUSTERS}/{segment('cluster_id')}"
        router.add("GET", payloads.CLUSTERS, self.search_clusters)
        router.add("GET", cluster, self.get_cluster)
        router.add("GET", f"{cluster}/machine_pools", self.machine_pools)
        router.add("GET", f"{cluster}/resources/live", self.live_resources)
        router.add("GET", f"{cluster}/external_configuration/labels", self.labels)
        router.add("GET", f"{cluster}/hypershift", self.hypershift)
        router.add("GET", f"{cluster}/limited_support_reasons", self.list_limited_support)
        router.add("POST", f"{cluster}/limited_support_reasons", self.post_limited_support)
        router.add(
            "DELETE",
            f"{cluster}/limited_support_reasons/{segment('reason_id')}",
            self.delete_limited_support,
        )
        accounts = payloads.ACCOUNTS_MGMT
        router.add("GET", f"{accounts}/subscriptions/{segment('sub_id')}", self.subscription)
        router.add("GET", f"{accounts}/accounts/{segment('account_id')}", self.account)
        router.add("GET", f"{accounts}/registry_credentials", self.registry_credentials)
        router.add("GET", f"{accounts}/registries/{segment('registry_id')}", self.registry)
        logs = payloads.SERVICE_LOGS
        router.add("GET", f"{logs}/clusters/{segment('external_id')}/cluster_logs", self.list_logs)
        router.add("POST", f"{logs}/cluster_logs", self.post_log)
        router.add("GET", "/api/access_transparency/v1/access_protection", self.access_protection)

    def handle(self, request: Request) -> Response:
        token = request.bearer_token()
        if token is None or not self.state.token_is_issued(token):
            return self.error(request, 401, "Request doesn't contain a valid access token")
        return super().handle(request)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        return ocm_error(request, status, message)

    # --- clusters_mgmt ----------------------------------------------------------------------

    def search_clusters(self, request: Request) -> Response:
        matches = _search(request, CLUSTER_SEARCH_FIELDS)
        with self.world.lock:
            clusters = [
                payloads.cluster_json(c, self.state.scenario.now)
                for c in self.state.clusters.values()
            ]
        items = [c for c in clusters if matches(c)]
        return json_response(200, _page(request, "ClusterList", items))

    def get_cluster(self, request: Request, cluster_id: str) -> Response:
        with self.world.lock:
            body = payloads.cluster_json(self._cluster(cluster_id), self.state.scenario.now)
        return json_response(200, body)

    def machine_pools(self, request: Request, cluster_id: str) -> Response:
        items = payloads.machine_pool_items(self._cluster(cluster_id))
        return json_response(200, _page(request, "MachinePoolList", items))

    def live_resources(self, request: Request, cluster_id: str) -> Response:
        return json_response(200, payloads.live_resources(self._cluster(cluster_id)))

    def labels(self, request: Request, cluster_id: str) -> Response:
        cluster = self._cluster(cluster_id)
        if cluster.seed.infra_cluster == "error":
            raise HttpProblem(500, "An unexpected error happened reading the labels")
        return json_response(200, _page(request, "LabelList", payloads.label_items(cluster)))

    def hypershift(self, request: Request, cluster_id: str) -> Response:
        return json_response(200, payloads.hypershift_config(self._cluster(cluster_id)))

    def list_limited_support(self, request: Request, cluster_id: str) -> Response:
        with self.world.lock:
            cluster = self._cluster(cluster_id)
            items = [
                payloads.limited_support_json(cluster, r) for r in cluster.limited_support_reasons
            ]
        return json_response(200, _page(request, "LimitedSupportReasonList", items))

    def post_limited_support(self, request: Request, cluster_id: str) -> Response:
        body = request.json_object()
        summary, details = body.get("summary"), body.get("details")
        if not _filled(summary) or not _filled(details):
            raise HttpProblem(400, "A limited support reason needs a summary and details")
        with self.world.lock:
            cluster = self._cluster(cluster_id)
            if cluster.seed.state == "uninstalling":
                raise HttpProblem(400, UNINSTALLING)
            reason = {
                "id": self.world.next_id("ls-"),
                "summary": summary,
                "details": details,
                "detection_type": body.get("detection_type") or "manual",
                "created_at": utc_now(),
            }
            cluster.limited_support_reasons.append(reason)
            return json_response(201, payloads.limited_support_json(cluster, reason))

    def delete_limited_support(self, request: Request, cluster_id: str, reason_id: str) -> Response:
        with self.world.lock:
            cluster = self._cluster(cluster_id)
            kept = [r for r in cluster.limited_support_reasons if r["id"] != reason_id]
            if len(kept) == len(cluster.limited_support_reasons):
                raise HttpProblem(404, f"Limited support reason '{reason_id}' not found")
            cluster.limited_support_reasons[:] = kept
        return Response(204)

    # --- accounts_mgmt ----------------------------------------------------------------------

    def subscription(self, request: Request, sub_id: str) -> Response:
        cluster = self._find(lambda c: c.subscription_id == sub_id, f"Subscription '{sub_id}'")
        return json_response(200, payloads.subscription_json(cluster))

    def account(self, request: Request, account_id: str) -> Response:
        cluster = self._find(lambda c: c.account_id == account_id, f"Account '{account_id}'")
        return json_response(200, payloads.account_json(cluster))

    def registry_credentials(self, request: Request) -> Response:
        """Searchable by ``account_id = '<id>'`` (upstream's query); other fields are ignored."""
        matches = _search(request, ("account_id", "id"))
        with self.world.lock:
            items = [
                item
                for cluster in self.state.clusters.values()
                for item in payloads.registry_credential_items(cluster)
                if matches({"account_id": cluster.account_id, "id": item["id"]})
            ]
        return json_response(200, _page(request, "RegistryCredentialList", items))

    def registry(self, request: Request, registry_id: str) -> Response:
        with self.world.lock:
            names = {
                credential.registry
                for cluster in self.state.clusters.values()
                for credential in cluster.seed.owner.registry_credentials
            }
        name = next((n for n in names if payloads.registry_id(n) == registry_id), None)
        if name is None:
            raise HttpProblem(404, f"Registry '{registry_id}' not found")
        return json_response(200, payloads.registry_json(name))

    # --- service_logs -----------------------------------------------------------------------

    def list_logs(self, request: Request, external_id: str) -> Response:
        matches = _search(request, LOG_SEARCH_FIELDS)
        with self.world.lock:
            cluster = self.state.cluster_by_external_id(external_id)
            logs = sorted(
                cluster.service_logs if cluster else [],
                key=lambda log: log["timestamp"],
                reverse=True,
            )
            items = [payloads.service_log_json(cluster, log) for log in logs] if cluster else []
        return json_response(
            200, _page(request, "ClusterLogList", [i for i in items if matches(i)])
        )

    def post_log(self, request: Request) -> Response:
        body = request.json_object()
        _check_log_entry(body)
        with self.world.lock:
            cluster = self._log_target(body)
            log = {
                "id": self.world.next_id("log-"),
                "summary": body["summary"],
                "description": body.get("description") or "",
                "severity": body["severity"],
                "service_name": body["service_name"],
                "internal_only": bool(body.get("internal_only", False)),
                "log_type": body.get("log_type"),
                "username": "service-account-ocm-cad-sandbox",
                "timestamp": utc_now(),
            }
            cluster.service_logs.append(log)
            return json_response(201, payloads.service_log_json(cluster, log))

    def _log_target(self, body: dict[str, Any]) -> ClusterState:
        cluster_id, cluster_uuid = body.get("cluster_id"), body.get("cluster_uuid")
        if not _filled(cluster_id) and not _filled(cluster_uuid):
            raise HttpProblem(400, "A log entry needs cluster_id or cluster_uuid")
        cluster = (
            self.state.cluster(str(cluster_id))
            if _filled(cluster_id)
            else self.state.cluster_by_external_id(str(cluster_uuid))
        )
        if cluster is None:
            raise HttpProblem(404, f"Cluster '{cluster_id or cluster_uuid}' not found")
        return cluster

    # --- access_transparency ----------------------------------------------------------------

    def access_protection(self, request: Request) -> Response:
        cluster_id = request.param("clusterId")
        if not cluster_id:
            raise HttpProblem(400, "The clusterId parameter is required")
        return json_response(200, {"enabled": self._cluster(cluster_id).seed.access_protected})

    # --- helpers ----------------------------------------------------------------------------

    def _cluster(self, cluster_id: str) -> ClusterState:
        cluster = self.state.cluster(cluster_id)
        if cluster is None:
            raise HttpProblem(404, f"Cluster '{cluster_id}' not found")
        return cluster

    def _find(self, wanted: Any, label: str) -> ClusterState:
        with self.world.lock:
            cluster = next((c for c in self.state.clusters.values() if wanted(c)), None)
        if cluster is None:
            raise HttpProblem(404, f"{label} not found")
        return cluster


def _check_log_entry(body: dict[str, Any]) -> None:
    if not _filled(body.get("summary")):
        raise HttpProblem(400, "A log entry needs a summary")
    if body.get("severity") not in SEVERITIES:
        raise HttpProblem(400, f"Severity must be one of {', '.join(SEVERITIES)}")
    if not _filled(body.get("service_name")):
        raise HttpProblem(400, "A log entry needs a service_name")
    if not isinstance(body.get("internal_only", False), bool):
        raise HttpProblem(400, "internal_only must be a boolean")


def _search(request: Request, fields: tuple[str, ...]) -> Any:
    text = request.param("search")
    if not text:
        return lambda item: True
    try:
        return compile_search(text, fields)
    except SearchError as exc:
        raise HttpProblem(400, f"Can't parse search query: {exc}") from None


def _page(request: Request, kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    page, size = request.param("page", "1"), request.param("size", "100")
    try:
        page_number, page_size = int(page or "1"), int(size or "100")
    except ValueError:
        raise HttpProblem(400, "page and size must be integers") from None
    if page_number < 1 or page_size == 0 or page_size < -1:
        raise HttpProblem(400, "page must be 1 or more and size -1 or more than 0")
    return payloads.ocm_list(kind, items, page_number, page_size)


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
