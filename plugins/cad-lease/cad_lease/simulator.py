"""The sandbox's simulator of the cluster CAD itself runs in ("hostkube"): Leases.

Imported only by cad-sandbox's call of the ``cad_sandbox_simulators`` hook, never by a run.
This is the cluster CAD runs in (the Tekton deployment), not a customer cluster behind a
backplane remediation. cad-lease keeps its run locks here, so the simulator behaves as the
apiserver does where a lock depends on it: every change bumps the object's
``resourceVersion``, a PUT or DELETE naming an older one is answered 409 Conflict, a POST
of an existing name 409 AlreadyExists, all with the API's Status body; a bearer token is
required. Its world section holds the Leases by ``<namespace>/<name>``.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from cad_core.plugins.simulation import SandboxSimulator, SimHost, SimRequest, SimResponse

from cad_lease.settings import API_URL, CA_FILE, NAMESPACE, TOKEN

NAME = "hostkube"
GROUP = "coordination.k8s.io"
API_VERSION = f"{GROUP}/v1"
LEASES = f"/apis/{API_VERSION}/namespaces/{{namespace}}/leases"
LEASE_NAMESPACE = "cad"
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    409: "Conflict",
    422: "Invalid",
}
INT_FIELDS = ("leaseDurationSeconds", "leaseTransitions")
TIME_FIELDS = ("acquireTime", "renewTime")
# One token per sandbox process: clients must send the one the sandbox exported.
SANDBOX_TOKEN = secrets.token_urlsafe(24)
# resourceVersions are opaque and only grow, as etcd's revision does across a cluster.
_VERSIONS = itertools.count(1)
_version = 0

Section = dict[str, dict[str, Any]]


class ApiProblem(Exception):
    """Answered with the apiserver's Status body."""

    def __init__(self, status: int, message: str, reason: str = "", name: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.name = status, message, name
        self.reason = reason or REASONS.get(status, "InternalError")


def simulator() -> SandboxSimulator:
    return SandboxSimulator(
        name=NAME,
        setting=API_URL,
        routes={
            f"GET {LEASES}": _api(list_leases),
            f"POST {LEASES}": _api(create),
            f"GET {LEASES}/{{name}}": _api(get),
            f"PUT {LEASES}/{{name}}": _api(replace),
            f"DELETE {LEASES}/{{name}}": _api(delete),
        },
        seed=seed,
        exports=exports,
        description="coordination.k8s.io/v1 Leases in the cluster CAD runs in (cad-lease)",
    )


def seed(value: Any = None) -> Section:
    if value:
        raise ValueError("takes no keys: the Leases are made by the runs")
    return {}


def exports(host: SimHost) -> Mapping[str, str]:
    """CAD_LOCK_PROVIDER=lease then keeps the run locks in this simulator."""
    return {TOKEN: SANDBOX_TOKEN, NAMESPACE: LEASE_NAMESPACE, CA_FILE: host.ca_file}


Handler = Callable[[SimRequest, Section], SimResponse]


def _api(handler: Handler) -> Handler:
    """The token check and the Status error body around one route."""

    def route(request: SimRequest, section: Section) -> SimResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or token.strip() != SANDBOX_TOKEN:
                raise ApiProblem(401, "Unauthorized")
            return handler(request, section)
        except ApiProblem as problem:
            return SimResponse(problem.status, _status_body(problem))

    return route


def _status_body(problem: ApiProblem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": problem.message,
        "reason": problem.reason,
        "code": problem.status,
    }
    if problem.name:
        body["details"] = {"name": problem.name, "group": GROUP, "kind": "leases"}
    return body


# --- routes ----------------------------------------------------------------------------------


def list_leases(request: SimRequest, section: Section) -> SimResponse:
    prefix = request.params["namespace"] + "/"
    items = [
        copy.deepcopy(lease) for key, lease in sorted(section.items()) if key.startswith(prefix)
    ]
    body = {
        "apiVersion": API_VERSION,
        "kind": "LeaseList",
        "metadata": {"resourceVersion": str(_version)},
        "items": items,
    }
    return SimResponse(200, body)


def get(request: SimRequest, section: Section) -> SimResponse:
    return SimResponse(200, copy.deepcopy(_existing(section, request)))


def create(request: SimRequest, section: Section) -> SimResponse:
    namespace = request.params["namespace"]
    body = _lease_body(request, namespace)
    name = body["metadata"].get("name")
    if not isinstance(name, str) or not name:
        raise ApiProblem(422, "Lease.coordination.k8s.io is invalid: metadata.name: Required")
    if f"{namespace}/{name}" in section:
        raise ApiProblem(409, f'leases.{GROUP} "{name}" already exists', "AlreadyExists", name)
    metadata = {
        **_user_metadata(body),
        "name": name,
        "namespace": namespace,
        "uid": str(uuid.uuid4()),
        "creationTimestamp": _timestamp(datetime.now(UTC)),
    }
    return SimResponse(201, _store(section, metadata, body.get("spec") or {}))


def replace(request: SimRequest, section: Section) -> SimResponse:
    body = _lease_body(request, request.params["namespace"])
    name = request.params["name"]
    if body["metadata"].get("name", name) != name:
        raise ApiProblem(400, "the name of the object does not match the name on the URL")
    current = _existing(section, request)
    _check_version(name, current, body["metadata"].get("resourceVersion"))
    metadata = {**current["metadata"], **_user_metadata(body)}
    return SimResponse(200, _store(section, metadata, body.get("spec") or {}))


def delete(request: SimRequest, section: Section) -> SimResponse:
    options = _json(request) if request.body else {}
    wanted = ((options or {}).get("preconditions") or {}).get("resourceVersion")
    current = _existing(section, request)
    name = request.params["name"]
    if wanted:
        _check_version(name, current, wanted)
    del section[f"{request.params['namespace']}/{name}"]
    _bump()
    details = {"name": name, "group": GROUP, "kind": "leases", "uid": current["metadata"]["uid"]}
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    return SimResponse(200, {**status, "details": details})


# --- helpers (handlers run one at a time, under the world's lock) -------------------------------


def _existing(section: Section, request: SimRequest) -> dict[str, Any]:
    name = request.params["name"]
    lease = section.get(f"{request.params['namespace']}/{name}")
    if lease is None:
        raise ApiProblem(404, f'leases.{GROUP} "{name}" not found', name=name)
    return lease


def _check_version(name: str, current: dict[str, Any], given: Any) -> None:
    # No resourceVersion is an unconditional update, as the apiserver allows for Leases.
    if given and str(given) != current["metadata"]["resourceVersion"]:
        raise ApiProblem(
            409,
            f'Operation cannot be fulfilled on leases.{GROUP} "{name}": the object has '
            "been modified; please apply your changes to the latest version and try again",
            "Conflict",
            name,
        )


def _bump() -> str:
    global _version
    _version = next(_VERSIONS)
    return str(_version)


def _store(section: Section, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    metadata = {**metadata, "resourceVersion": _bump()}
    lease = {"apiVersion": API_VERSION, "kind": "Lease", "metadata": metadata, "spec": spec}
    section[f"{metadata['namespace']}/{metadata['name']}"] = lease
    return copy.deepcopy(lease)


def _json(request: SimRequest) -> Any:
    return request.json()  # not JSON: a 400 the sandbox answers


def _lease_body(request: SimRequest, namespace: str) -> dict[str, Any]:
    body = _json(request)
    if not isinstance(body, dict):
        raise ApiProblem(400, "the request body must be a JSON object")
    if body.get("kind", "Lease") != "Lease" or body.get("apiVersion", API_VERSION) != API_VERSION:
        raise ApiProblem(400, f"expected a Lease of {API_VERSION}")
    metadata = body.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise ApiProblem(400, "metadata must be an object")
    if metadata.get("namespace", namespace) != namespace:
        raise ApiProblem(400, "the namespace of the object does not match the namespace on the URL")
    _validate_spec(body.get("spec") or {})
    return body


def _validate_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        raise ApiProblem(422, "Lease.coordination.k8s.io is invalid: spec must be an object")
    holder = spec.get("holderIdentity")
    if holder is not None and not isinstance(holder, str):
        raise ApiProblem(422, "Lease.coordination.k8s.io is invalid: spec.holderIdentity")
    for field in INT_FIELDS:
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ApiProblem(422, f"Lease.coordination.k8s.io is invalid: spec.{field}")
    for field in TIME_FIELDS:
        value = spec.get(field)
        if value is None:
            continue
        try:
            datetime.fromisoformat(str(value))
        except ValueError:
            raise ApiProblem(
                400, f"spec.{field}: {value!r} is not a MicroTime (RFC 3339)"
            ) from None


def _user_metadata(body: dict[str, Any]) -> dict[str, Any]:
    """What a client may set: labels and annotations; the server owns the rest."""
    metadata = body["metadata"]
    return {key: metadata[key] for key in ("labels", "annotations") if key in metadata}


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
