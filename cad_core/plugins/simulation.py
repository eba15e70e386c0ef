"""What a plugin declares to have its own service simulated by the sandbox (cad-sandbox).

The core only defines the shapes: a :class:`SandboxSimulator` registration yielded by the
``cad_sandbox_simulators`` hook, and the small request/response pair its handlers use.
cad-sandbox serves them; neither the core nor a plugin needs to import cad-sandbox, so a
plugin can declare its simulator in the same module as its executor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

_SIM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD) (/[^ ?]*)$")
_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*$")

# handler(request, section): the section is the simulator's part of the world, shared by
# every request of one sandbox run. Return a SimResponse, or any JSON data (status 200).
RouteHandler = Callable[["SimRequest", Any], Any]


@attrs.frozen
class SimRequest:
    """One request to a plugin's simulator.

    ``path`` is the path without the query; ``query`` holds each parameter's first value;
    ``params`` the ``{name}`` segments of the matching route; ``headers`` lower-case names.
    """

    method: str
    path: str
    query: Mapping[str, str] = attrs.field(factory=dict)
    params: Mapping[str, str] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON; a body that is not JSON is answered with a 400 for you."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise SimError(400, "the request body is not valid JSON") from None


@attrs.frozen
class SimResponse:
    """An answer: ``body`` is sent as JSON unless it is ``bytes``."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)


class SimError(Exception):
    """Raise in a handler to answer ``status`` with the simulator's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _sim_name(value: str) -> str:
    if not isinstance(value, str) or not _SIM_NAME.match(value):
        raise ValueError(
            f"simulator name {value!r} is not valid: it is a scenario key, so use lower-case "
            "letters, digits and '_', starting with a letter"
        )
    return value


def _setting(value: str) -> str:
    if not isinstance(value, str) or not _SETTING.match(value):
        raise ValueError(f"setting {value!r} is not an environment variable name")
    return value


def _routes(value: Mapping[str, RouteHandler]) -> dict[str, RouteHandler]:
    routes = dict(value)
    if not routes:
        raise ValueError("a simulator needs at least one route")
    for key, handler in routes.items():
        if not isinstance(key, str) or not _ROUTE.match(key):
            raise ValueError(f"route {key!r} is not 'METHOD /path' (e.g. 'GET /tickets/{{id}}')")
        if not callable(handler):
            raise TypeError(f"route {key!r}: the handler must be callable")
    return routes


def _reads_only(method: str, _path: str) -> bool:
    return method not in ("GET", "HEAD", "OPTIONS")


@attrs.frozen
class SimHost:
    """Where the sandbox serves a simulator, for the settings it exports."""

    url: str  # https://127.0.0.1:<port>
    ca_file: str  # the trust bundle: the system's CAs plus the sandbox's CA


def _no_exports(_host: SimHost) -> Mapping[str, str]:
    return {}


@attrs.frozen
class SandboxSimulator:
    """A simulator of a plugin's own service, served by ``cad sandbox`` on loopback HTTPS.

    * ``name``: the service name in the request log, in ``faults:`` and ``latency_ms:``,
      the scenario's top-level key that seeds it and the world's section that shows it;
    * ``setting``: the plugin's environment variable the sandbox sets to the simulator's
      base URL for the run (e.g. ``TICKETS_URL``);
    * ``routes``: ``{"METHOD /path/{param}": handler}``; ``handler(request, section)``
      returns a :class:`SimResponse` or JSON data; a request no route matches is a 404
      (405 when only the method differs);
    * ``seed``: builds the section, called with the scenario's value for ``name`` or with
      no argument when the scenario has none (``list`` and ``dict`` work as they are); a
      ``ValueError`` is reported as a problem in the scenario;
    * ``is_write(method, path)``: what counts as a write in the request log (default:
      everything but GET, HEAD and OPTIONS);
    * ``exports(host)``: further settings the run needs to use the simulator, from its
      :class:`SimHost` (e.g. ``{"LEASE_TOKEN": ..., "LEASE_CA_FILE": host.ca_file}``);
      default none.

    Handlers run one at a time per sandbox (under the world's lock), so they may change
    the section freely. Errors look like ``{"error": message}``.
    """

    name: str = attrs.field(converter=_sim_name)
    setting: str = attrs.field(converter=_setting)
    routes: Mapping[str, RouteHandler] = attrs.field(converter=_routes)
    seed: Callable[..., Any] = dict
    is_write: Callable[[str, str], bool] = _reads_only
    description: str = ""
    exports: Callable[[SimHost], Mapping[str, str]] = _no_exports
