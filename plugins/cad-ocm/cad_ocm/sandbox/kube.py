"""The cluster's kube API as seen through a backplane remediation proxy.

Serves every group/version/resource the scenario defines (and the usual kinds, empty):
list and get, namespaced and cluster-scoped, label and field selectors, ``limit`` /
``continue`` paging, and errors in the apiserver's ``Status`` body. Writes are refused,
but for the few :mod:`kube_writes` accepts: create (POST), update (PUT) and a pod's log.
One simulator serves the customer cluster (``kube:``), another the management cluster of
an HCP cluster (``management_kube:``).
"""

from __future__ import annotations

from typing import Any

from cad_core.plugins.simulation import SimWorld
from cad_core.plugins.simwire import (
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
)

from cad_ocm.sandbox.kube_query import field_predicate, label_predicate, page
from cad_ocm.sandbox.kube_scenario import Kube
from cad_ocm.sandbox.kube_store import KubeStore, ResourceType
from cad_ocm.sandbox.kube_writes import KubeWrites
from cad_ocm.sandbox.state import OcmState, StateSimulator

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "AlreadyExists",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
HEALTH_ENDPOINTS = ("healthz", "livez", "readyz")  # a fault on the path makes one fail
NOT_SERVED = "the server could not find the requested resource"


class KubeSimulator(StateSimulator):
    def __init__(
        self, world: SimWorld, state: OcmState, kube: Kube | None = None, side: str = "cluster"
    ) -> None:
        super().__init__(world, state)
        kube = kube or state.scenario.kube
        self.store = KubeStore(kube, state.scenario.now)
        self.writes = KubeWrites(world, state, self.store, kube.jobs, side)

    def add_routes(self, router: Router) -> None:
        # Every path is parsed by hand: group/version/namespace/resource/name vary too much
        # for fixed patterns, and a wrong shape must be the apiserver's 404, not a 405.
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            router.add(method, r"/(?P<rest>.*)", self.dispatch)

    def handle(self, request: Request) -> Response:
        token = request.bearer_token()
        if token is None or not self.state.token_is_issued(token):
            return self.error(request, 401, "Unauthorized")
        with self.world.lock:
            known = request.context.get("instance_id") in self.state.remediations
        if not known:
            raise HttpProblem(404, "remediation instance not found (deleted or never created)")
        return super().handle(request)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": REASONS.get(status, "InternalError" if status >= 500 else "BadRequest"),
            "code": status,
        }
        if "details" in details:
            body["details"] = details["details"]
        return json_response(status, body)

    def dispatch(self, request: Request, rest: str) -> Response:
        if request.method == "GET" and rest.strip("/") in HEALTH_ENDPOINTS:
            return Response(200, b"ok", "text/plain")
        if request.method == "GET" and rest.endswith("/log"):
            pod_log = _pod_log(rest)
            if pod_log is not None:
                return self.writes.log(*pod_log)
        group, version, namespace, resource, name = _parse(rest)
        served = self.store.find(group, version, resource)
        if served is None or (namespace is not None and not served.namespaced):
            raise HttpProblem(404, NOT_SERVED)
        if request.method == "POST" and name is None:
            return self.writes.create(served, namespace, request.json())
        if request.method == "PUT" and name is not None:
            return self.writes.update(served, namespace, name, request.json())
        if request.method != "GET":
            raise HttpProblem(
                405,
                f"CAD's sandbox cluster takes no {request.method} here",
                allow="GET",
            )
        if name is None:
            return self._list(request, served, namespace)
        if namespace is None and served.namespaced:
            raise HttpProblem(404, NOT_SERVED)
        return self._get(served, namespace or "", name)

    def _list(self, request: Request, served: ResourceType, namespace: str | None) -> Response:
        labels = label_predicate(request.param("labelSelector"))
        fields = field_predicate(request.param("fieldSelector"), served.kind)
        matching = [
            obj
            for obj in served.objects
            if (namespace is None or obj["metadata"].get("namespace") == namespace)
            and labels(obj)
            and fields(obj)
        ]
        items, metadata = page(matching, request.param("limit"), request.param("continue"))
        body = {
            "apiVersion": served.api_version,
            "kind": f"{served.kind}List",
            "metadata": metadata,
            "items": items,
        }
        return json_response(200, body)

    def _get(self, served: ResourceType, namespace: str, name: str) -> Response:
        for obj in served.objects:
            meta = obj["metadata"]
            if meta["name"] == name and meta.get("namespace", "") == namespace:
                return json_response(200, obj)
        qualified = f"{served.resource}.{served.group}" if served.group else served.resource
        details: dict[str, Any] = {"name": name, "kind": served.resource}
        if served.group:
            details["group"] = served.group
        raise HttpProblem(404, f'{qualified} "{name}" not found', details=details)


def _pod_log(rest: str) -> tuple[str, str] | None:
    """(namespace, pod) of ``api/v1/namespaces/<ns>/pods/<pod>/log``, else None."""
    parts = [p for p in rest.split("/") if p]
    if len(parts) == 7 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "pods":
        return parts[3], parts[5]
    return None


def _parse(rest: str) -> tuple[str, str, str | None, str, str | None]:
    """(group, version, namespace or None, resource, name or None) of an API path."""
    parts = [p for p in rest.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, tail = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, tail = parts[1], parts[2], parts[3:]
    else:
        raise HttpProblem(404, NOT_SERVED)
    namespace = None
    if len(tail) >= 3 and tail[0] == "namespaces":
        namespace, tail = tail[1], tail[2:]
    if not 1 <= len(tail) <= 2:  # subresources (status, log, ...) are not simulated
        raise HttpProblem(404, NOT_SERVED)
    return group, version, namespace, tail[0], tail[1] if len(tail) == 2 else None
