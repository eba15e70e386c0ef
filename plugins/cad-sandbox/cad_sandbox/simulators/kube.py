"""The cluster's kube API as seen through a backplane remediation proxy: ClusterOperators."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from cad_sandbox.scenario import ClusterOperator
from cad_sandbox.simulators.ocm_payloads import OPENSHIFT_VERSION, timestamp
from cad_sandbox.simulators.wire import (
    BaseSimulator,
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
    segment,
)

API_VERSION = "config.openshift.io/v1"
OPERATORS = f"/apis/{API_VERSION}/clusteroperators"
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "AlreadyExists",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class KubeSimulator(BaseSimulator):
    def add_routes(self, router: Router) -> None:
        router.add("GET", OPERATORS, self.list_operators)
        router.add("GET", f"{OPERATORS}/{segment('name')}", self.get_operator)

    def handle(self, request: Request) -> Response:
        token = request.bearer_token()
        if token is None or not self.world.token_is_issued(token):
            return self.error(request, 401, "Unauthorized")
        with self.world.lock:
            known = request.context.get("instance_id") in self.world.remediations
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

    def list_operators(self, request: Request) -> Response:
        wanted = _name_from_field_selector(request.param("fieldSelector"))
        operators = self.world.scenario.kube.clusteroperators
        items = [
            self._operator_json(name, operator)
            for name, operator in sorted(operators.items())
            if wanted is None or name == wanted
        ]
        body = {
            "apiVersion": API_VERSION,
            "kind": "ClusterOperatorList",
            "metadata": {"resourceVersion": "1"},
            "items": items,
        }
        return json_response(200, body)

    def get_operator(self, request: Request, name: str) -> Response:
        operator = self.world.scenario.kube.clusteroperators.get(name)
        if operator is None:
            details = {"name": name, "group": "config.openshift.io", "kind": "clusteroperators"}
            raise HttpProblem(
                404, f'clusteroperators.config.openshift.io "{name}" not found', details=details
            )
        return json_response(200, self._operator_json(name, operator))

    def _operator_json(self, name: str, operator: ClusterOperator) -> dict[str, Any]:
        changed = timestamp(self.world.scenario.now - timedelta(hours=1))
        conditions = []
        for condition in operator.conditions:
            entry = {"type": condition.type, "status": condition.status}
            entry["lastTransitionTime"] = changed
            if condition.reason:  # omitempty in the Go type, as in real replies
                entry["reason"] = condition.reason
            if condition.message:
                entry["message"] = condition.message
            conditions.append(entry)
        return {
            "apiVersion": API_VERSION,
            "kind": "ClusterOperator",
            "metadata": {
                "name": name,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cad-sandbox/clusteroperators/{name}")),
                "resourceVersion": "1",
                "creationTimestamp": timestamp(self.world.scenario.now - timedelta(days=30)),
            },
            "spec": {},
            "status": {
                "conditions": conditions,
                "versions": [{"name": "operator", "version": OPENSHIFT_VERSION}],
                "relatedObjects": [],
            },
        }


def _name_from_field_selector(selector: str | None) -> str | None:
    """Only ``metadata.name=X`` (or ``==``) is supported, as the apiserver does for this kind."""
    if not selector:
        return None
    field, _, value = selector.replace("==", "=").partition("=")
    if field.strip() != "metadata.name" or not value:
        raise HttpProblem(400, f'field label not supported: "{field.strip()}"')
    return value.strip()
