"""The wire of a sandbox simulator that serves its own protocol (see ``SandboxSimulator.hosts``).

Requests, responses, errors in the simulated service's own format, and method + path
routing. cad-sandbox's servers speak these types, so a plugin's simulator written against
them is served by the sandbox without importing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, unquote


class HttpProblem(Exception):
    """Raised by a route to answer with an error in the serving simulator's own format."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


@dataclass
class Request:
    method: str
    raw_path: str  # as sent, without the query
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    path: str = ""  # relative to the serving simulator; set when mounted
    service: str = ""  # the service name the request is logged under
    context: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise HttpProblem(400, "the request body is not valid JSON") from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise HttpProblem(400, "the request body must be a JSON object")
        return body

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def bearer_token(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    status: int,
    payload: Any,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Response:
    body = json.dumps(payload).encode()
    return Response(status, body, content_type, dict(headers or {}))


class Simulator(Protocol):
    """What a server needs from the simulator it mounts."""

    def handle(self, request: Request) -> Response: ...

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response: ...

    def fault_headers(self, status: int) -> dict[str, str]: ...


Handler = Callable[..., Response]
# Given a request, the simulator that answers it; it sets ``request.service`` (the name in
# the request log, faults and latency) and ``request.path`` (the path it is logged under).
Mount = Callable[[Request], Simulator]


class Router:
    """Method + path-pattern routing; groups in the pattern become keyword arguments."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, request: Request) -> Response:
        allowed = []
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if not match:
                continue
            if method == request.method:
                groups = {name: unquote(value) for name, value in match.groupdict().items()}
                return handler(request, **groups)
            allowed.append(method)
        if allowed:
            raise HttpProblem(405, "Method Not Allowed", allow=", ".join(allowed))
        raise HttpProblem(404, "Not Found")


W = TypeVar("W")  # the world a simulator sees: SimWorld, or the harness's own World


class BaseSimulator(Generic[W]):
    """Routing plumbing; subclasses add routes and say how their errors look on the wire."""

    def __init__(self, world: W) -> None:
        self.world = world
        self.router = Router()
        self.add_routes(self.router)

    def add_routes(self, router: Router) -> None:
        raise NotImplementedError

    def handle(self, request: Request) -> Response:
        return self.router.dispatch(request)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        raise NotImplementedError

    def fault_headers(self, status: int) -> dict[str, str]:
        """Headers an injected fault carries when the scenario gives none."""
        return {}


def mounted(request: Request, service: str, path: str, simulator: Simulator) -> Simulator:
    """Say which service answers ``request`` and under which path; for :data:`Mount`."""
    request.service = service
    request.path = path
    return simulator


SEGMENT = r"(?P<{}>[^/]+)"


def segment(name: str) -> str:
    """A named path segment for :meth:`Router.add` patterns."""
    return SEGMENT.format(name)
