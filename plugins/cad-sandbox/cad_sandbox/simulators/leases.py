"""The CAD pod's own cluster API ("hostkube"): coordination.k8s.io/v1 Leases.

This is the cluster CAD itself runs in (the Tekton deployment), not a customer cluster
behind a backplane remediation. cad-lease keeps its run locks here, so the simulator
behaves as the apiserver does where a lock depends on it: every change bumps the
object's ``resourceVersion``, a PUT or DELETE naming an older one is answered 409
Conflict, a POST of an existing name 409 AlreadyExists, all with the API's Status body.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cad_sandbox.simulators.ocm_payloads import timestamp
from cad_sandbox.simulators.wire import (
    BaseSimulator,
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
    segment,
)
from cad_sandbox.world import World, utc_now

if TYPE_CHECKING:
    from cad_sandbox.simulators.exports import Site

GROUP = "coordination.k8s.io"
API_VERSION = f"{GROUP}/v1"
LEASES = f"/apis/{API_VERSION}/namespaces/{segment('namespace')}/leases"
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    422: "Invalid",
    500: "InternalError",
    503: "ServiceUnavailable",
}
INT_FIELDS = ("leaseDurationSeconds", "leaseTransitions")
TIME_FIELDS = ("acquireTime", "renewTime")


class LeaseSimulator(BaseSimulator):
    """Leases by (namespace, name) in ``world.leases``; bearer token ``token`` only."""

    def __init__(self, world: World, token: str) -> None:
        super().__init__(world)
        self.token = token

    def add_routes(self, router: Router) -> None:
        router.add("GET", LEASES, self.list_leases)
        router.add("POST", LEASES, self.create)
        router.add("GET", f"{LEASES}/{segment('name')}", self.get)
        router.add("PUT", f"{LEASES}/{segment('name')}", self.replace)
        router.add("DELETE", f"{LEASES}/{segment('name')}", self.delete)

    def handle(self, request: Request) -> Response:
        if not self.token or request.bearer_token() != self.token:
            return self.error(request, 401, "Unauthorized")
        return super().handle(request)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        reason = details.get("reason") or REASONS.get(status, "InternalError")
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": status,
        }
        if "name" in details:
            body["details"] = {"name": details["name"], "group": GROUP, "kind": "leases"}
        return json_response(status, body)

    # --- routes ---------------------------------------------------------------------------

    def list_leases(self, request: Request, namespace: str) -> Response:
        with self.world.lock:
            items = [
                copy.deepcopy(lease)
                for (ns, _), lease in sorted(self.world.leases.items())
                if ns == namespace
            ]
            version = str(self.world.lease_version)
        body = {
            "apiVersion": API_VERSION,
            "kind": "LeaseList",
            "metadata": {"resourceVersion": version},
            "items": items,
        }
        return json_response(200, body)

    def get(self, request: Request, namespace: str, name: str) -> Response:
        with self.world.lock:
            return json_response(200, copy.deepcopy(self._existing(namespace, name)))

    def create(self, request: Request, namespace: str) -> Response:
        body = _lease_body(request, namespace)
        name = body["metadata"].get("name")
        if not isinstance(name, str) or not name:
            raise HttpProblem(422, "Lease.coordination.k8s.io is invalid: metadata.name: Required")
        with self.world.lock:
            if (namespace, name) in self.world.leases:
                raise HttpProblem(
                    409,
                    f'leases.{GROUP} "{name}" already exists',
                    reason="AlreadyExists",
                    name=name,
                )
            metadata = {
                **_user_metadata(body),
                "name": name,
                "namespace": namespace,
                "uid": str(uuid.uuid4()),
                "creationTimestamp": timestamp(utc_now()),
            }
            lease = self._store(namespace, name, metadata, body.get("spec") or {})
        return json_response(201, lease)

    def replace(self, request: Request, namespace: str, name: str) -> Response:
        body = _lease_body(request, namespace)
        if body["metadata"].get("name", name) != name:
            raise HttpProblem(400, "the name of the object does not match the name on the URL")
        with self.world.lock:
            current = self._existing(namespace, name)
            self._check_version(name, current, body["metadata"].get("resourceVersion"))
            metadata = {**current["metadata"], **_user_metadata(body)}
            lease = self._store(namespace, name, metadata, body.get("spec") or {})
        return json_response(200, lease)

    def delete(self, request: Request, namespace: str, name: str) -> Response:
        options = request.json() if request.body else {}
        wanted = ((options or {}).get("preconditions") or {}).get("resourceVersion")
        with self.world.lock:
            current = self._existing(namespace, name)
            if wanted:
                self._check_version(name, current, wanted)
            del self.world.leases[(namespace, name)]
            self.world.lease_version += 1
        uid = current["metadata"]["uid"]
        details = {"name": name, "group": GROUP, "kind": "leases", "uid": uid}
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
        return json_response(200, {**status, "details": details})

    # --- helpers (called with the world lock held) -----------------------------------------

    def _existing(self, namespace: str, name: str) -> dict[str, Any]:
        lease = self.world.leases.get((namespace, name))
        if lease is None:
            raise HttpProblem(404, f'leases.{GROUP} "{name}" not found', name=name)
        return lease

    def _check_version(self, name: str, current: dict[str, Any], given: Any) -> None:
        # No resourceVersion is an unconditional update, as the apiserver allows for Leases.
        if given and str(given) != current["metadata"]["resourceVersion"]:
            raise HttpProblem(
                409,
                f'Operation cannot be fulfilled on leases.{GROUP} "{name}": the object has '
                "been modified; please apply your changes to the latest version and try again",
                reason="Conflict",
                name=name,
            )

    def _store(
        self, namespace: str, name: str, metadata: dict[str, Any], spec: dict[str, Any]
    ) -> dict[str, Any]:
        self.world.lease_version += 1
        metadata = {**metadata, "resourceVersion": str(self.world.lease_version)}
        lease = {"apiVersion": API_VERSION, "kind": "Lease", "metadata": metadata, "spec": spec}
        self.world.leases[(namespace, name)] = lease
        return copy.deepcopy(lease)


def _lease_body(request: Request, namespace: str) -> dict[str, Any]:
    body = request.json_object()
    if body.get("kind", "Lease") != "Lease" or body.get("apiVersion", API_VERSION) != API_VERSION:
        raise HttpProblem(400, f"expected a Lease of {API_VERSION}")
    metadata = body.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise HttpProblem(400, "metadata must be an object")
    if metadata.get("namespace", namespace) != namespace:
        raise HttpProblem(
            400, "the namespace of the object does not match the namespace on the URL"
        )
    _validate_spec(body.get("spec") or {})
    return body


def _validate_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        raise HttpProblem(422, "Lease.coordination.k8s.io is invalid: spec must be an object")
    holder = spec.get("holderIdentity")
    if holder is not None and not isinstance(holder, str):
        raise HttpProblem(422, "Lease.coordination.k8s.io is invalid: spec.holderIdentity")
    for field in INT_FIELDS:
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise HttpProblem(422, f"Lease.coordination.k8s.io is invalid: spec.{field}")
    for field in TIME_FIELDS:
        value = spec.get(field)
        if value is None:
            continue
        try:
            datetime.fromisoformat(str(value))
        except ValueError:
            raise HttpProblem(
                400, f"spec.{field}: {value!r} is not a MicroTime (RFC 3339)"
            ) from None


def _user_metadata(body: dict[str, Any]) -> dict[str, Any]:
    """What a client may set: labels and annotations; the server owns the rest."""
    metadata = body["metadata"]
    return {key: metadata[key] for key in ("labels", "annotations") if key in metadata}


LEASE_NAMESPACE = "cad"


def exported_settings(site: Site) -> dict[str, str]:
    """cad-lease keeps its locks in the simulated cluster CAD runs in (hostkube);
    CAD_LOCK_PROVIDER=lease turns it on."""
    return {
        "CAD_LEASE_API_URL": site.urls["hostkube"],
        "CAD_LEASE_TOKEN": site.secrets.hostkube_token,
        "CAD_LEASE_NAMESPACE": LEASE_NAMESPACE,
        "CAD_LEASE_CA_FILE": site.trust_path,
    }
