"""What a plugin declares to have its own service simulated by the sandbox (cad-sandbox).

The core only defines the shapes: a :class:`SandboxSimulator` registration yielded by the
``cad_sandbox_simulators`` hook, and the small request/response pair its handlers use.
cad-sandbox serves them; neither the core nor a plugin needs to import cad-sandbox, so a
plugin can declare its simulator in the same module as its executor.

Two forms: a *routes* simulator (``routes`` + ``setting``: JSON handlers over a plain
section, enough for most services) and a *hosts* simulator (``hosts`` + ``sections``: it
speaks its service's own wire, see :mod:`cad_core.plugins.simwire`, owns typed scenario
sections, renders its part of the world and may build the alert the scenario sends). The
alert source, OCM and AWS simulators are of the second form.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cad_core.plugins.simwire import Mount

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


def _setting_or_none(value: str | None) -> str | None:
    return None if value is None else _setting(value)


def _routes(value: Mapping[str, RouteHandler]) -> dict[str, RouteHandler]:
    routes = dict(value)
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

    url: str  # https://127.0.0.1:<port> (a hosts simulator: its first host)
    ca_file: str  # the trust bundle: the system's CAs plus the sandbox's CA
    urls: Mapping[str, str] = attrs.field(factory=dict)  # every host of it, by name
    state: Any = None  # a hosts simulator's part of the world (its seed's result)


class SimWorld(Protocol):
    """What a hosts simulator may use of the sandbox's world besides its own state.

    Hold ``lock`` while reading or changing the state: every simulator of one sandbox
    shares it, so a request sees a consistent world and the final JSON is never half-written.
    """

    lock: threading.RLock
    stop_event: threading.Event  # set when the sandbox stops: wake and return

    @property
    def options(self) -> Mapping[str, Any]:
        """The harness's tuning, e.g. a rate limit a test asks for."""

    def pause(self, seconds: float) -> bool:
        """Sleep unless the sandbox stops first; True when the full time passed."""

    def next_id(self, prefix: str) -> str:
        """A counter-based id (``PREFIX000001``), so runs of one scenario compare."""

    def elapsed_ms(self) -> float:
        """Milliseconds since the world was made."""


Hosts = Callable[[SimWorld, Any], Mapping[str, "Mount"]]


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

    A *hosts* simulator gives ``hosts`` instead of ``routes`` (``setting`` is then
    optional: ``exports`` sets what its clients need), and:

    * ``sections``: ``{scenario key: schema}``, each a dataclass (``X | None`` when the key
      may be absent) converted by the core's strict YAML converter, so an unknown key or a
      wrong type is reported with its line; ``seed(scenario)`` then builds the state from
      the loaded scenario (its sections are attributes, with ``now``);
    * ``hosts(world, state)``: ``{host name: Mount}``, one loopback HTTPS host each;
    * ``services``: ``{service name: latency key}``, the names its mounts log requests
      under (the names ``faults:`` take) and the ``latency_ms:`` key each follows;
    * ``render(state)``: its top-level entries of the world JSON (``expect.world`` paths);
    * ``describe(world_json, scenario)``: lines for the text output of ``cad sandbox run``;
    * ``webhook(scenario, api_url)``: the body of the alert the scenario sends (the alert
      source's simulator; ``api_url`` is its first host, or None before it runs);
      ``outcomes(world_json, scenario)``: what became of each alert, in words;
    * ``writes``: ``{kind: count(world_json)}``, the writes a race trial counts.
    """

    name: str = attrs.field(converter=_sim_name)
    setting: str | None = attrs.field(default=None, converter=_setting_or_none)
    routes: Mapping[str, RouteHandler] = attrs.field(factory=dict, converter=_routes)
    seed: Callable[..., Any] = dict
    is_write: Callable[[str, str], bool] = _reads_only
    description: str = ""
    exports: Callable[[SimHost], Mapping[str, str]] = _no_exports
    hosts: Hosts | None = None
    sections: Mapping[str, Any] = attrs.field(factory=dict)
    services: Mapping[str, str] = attrs.field(factory=dict)
    render: Callable[[Any], Mapping[str, Any]] | None = None
    describe: Callable[[Mapping[str, Any], Any], list[str]] | None = None
    webhook: Callable[[Any, str | None], bytes] | None = None
    outcomes: Callable[[Mapping[str, Any], Any], Mapping[str, str]] | None = None
    writes: Mapping[str, Callable[[Mapping[str, Any]], int]] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.hosts is None and not self.routes:
            raise ValueError("a simulator needs at least one route (or hosts)")
        if self.hosts is None and self.setting is None:
            raise ValueError("a routes simulator needs the setting that points at it")
        if self.hosts is not None and self.routes:
            raise ValueError("give routes or hosts, not both")

    @property
    def service_names(self) -> Mapping[str, str]:
        """Service name -> latency key: ``services``, or the simulator's own name."""
        return dict(self.services) or {self.name: self.name}
