"""Plugins' simulators (hook ``cad_sandbox_simulators``): what the sandbox serves.

A routes :class:`~cad_core.plugins.simulation.SandboxSimulator` gets its own loopback HTTPS
host, a world section seeded from the scenario's top-level key of its name, and the shared
request pipeline (latency, faults, the request log). A hosts simulator brings its own
mounts, typed scenario sections, state and rendering; the harness only serves them.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from cad_core.errors import BadInputError
from cad_core.plugins.simulation import SandboxSimulator, SimError, SimHost, SimRequest, SimResponse
from cad_core.plugins.simwire import HttpProblem, Request, Response, json_response

if TYPE_CHECKING:
    from cad_sandbox.harness import Sandbox
    from cad_sandbox.scenario import Scenario
    from cad_sandbox.simulators.server import LoopbackServer
    from cad_sandbox.world import World

HOOK = "cad_sandbox_simulators"
NO_SERVICE = "(no installed plugin simulates a service)"
# Names a plugin's simulator cannot take: every top-level scenario key of the harness,
# since a simulator's name (or section) becomes one.
RESERVED = frozenset(
    {"name", "description", "version", "faults", "latency_ms", "expect"}
    | {"now", "source", "simulators"}
)


def installed_simulators() -> tuple[SandboxSimulator, ...]:
    """The simulators of the installed (enabled) plugins; a clash is one BadInputError.

    The alert source's comes first, then the other hosts simulators (they render the
    world's main entries), then routes simulators, each group in name order."""
    from cad_core.plugins.lookups import distinct
    from cad_core.plugins.registry import get_registry

    found: list[SandboxSimulator] = []
    labels: dict[str, str] = {}
    for name, regs in sorted(get_registry().keyed(HOOK).items()):
        owners = distinct(regs)
        if len(owners) > 1:
            who = " and ".join(reg.plugin.label for reg in owners)
            raise BadInputError(f"sandbox simulator {name!r} is declared by {who}; keep one")
        labels[name] = owners[0].plugin.label
        found.append(owners[0].item)
    found.sort(key=lambda simulator: (simulator.hosts is None, simulator.webhook is None))
    _refuse_clashes(found, labels)
    return tuple(found)


def claimed_names(simulator: SandboxSimulator) -> set[str]:
    """Every name a simulator takes: its scenario keys, services, latency keys, its own name.

    (Host names are known once it is served: two hosts of one name are refused then.)"""
    names = {simulator.name, *simulator.sections, *simulator.service_names}
    return names | set(simulator.service_names.values())


def _refuse_clashes(simulators: Iterable[SandboxSimulator], labels: dict[str, str]) -> None:
    taken: dict[str, str] = {}
    for simulator in simulators:
        label = labels.get(simulator.name, simulator.name)
        for name in sorted(claimed_names(simulator)):
            if name in RESERVED:
                raise BadInputError(
                    f"sandbox simulator {simulator.name!r} ({label}) takes the name {name!r}, "
                    "which the sandbox uses itself; rename it"
                )
            owner = taken.setdefault(name, simulator.name)
            if owner != simulator.name:
                raise BadInputError(
                    f"sandbox simulators {owner!r} ({labels.get(owner, owner)}) and "
                    f"{simulator.name!r} ({label}) both take the name {name!r}; keep one"
                )


# --- the scenario schema ---------------------------------------------------------------------


def scenario_schema(simulators: Iterable[SandboxSimulator]) -> type[Scenario]:
    """``Scenario`` plus the simulators' top-level keys, whose services faults and latency take."""
    sections: dict[str, Any] = {}
    services: dict[str, str] = {}
    for simulator in simulators:
        sections |= dict(simulator.sections) if simulator.hosts else {simulator.name: Any}
        services |= simulator.service_names
    schema: type[Scenario] = _schema(tuple(sections.items()), tuple(services.items()))
    return schema


def latency_keys(simulators: Iterable[SandboxSimulator]) -> dict[str, str]:
    """Service name -> the ``latency_ms:`` key it follows."""
    keys: dict[str, str] = {}
    for simulator in simulators:
        keys |= simulator.service_names
    return keys


@functools.cache
def _schema(sections: tuple[tuple[str, Any], ...], services: tuple[tuple[str, str], ...]) -> Any:
    from cad_sandbox.scenario import Fault, Latency, Scenario

    # No simulator installed: a fault can name no service, and says so when it tries.
    names = tuple(dict.fromkeys(name for name, _ in services)) or (NO_SERVICE,)
    fault = dataclasses.make_dataclass(
        "Fault",
        [("service", Literal[names])],
        bases=(Fault,),
        frozen=True,
        kw_only=True,
    )
    keys = tuple(dict.fromkeys(key for _, key in services))
    latency = dataclasses.make_dataclass(
        "Latency",
        [(key, float, dataclasses.field(default=0)) for key in keys],
        bases=(Latency,),
        frozen=True,
        kw_only=True,
    )
    extra: list[Any] = [(name, hint, _section_default(hint)) for name, hint in sections]
    extra += [
        ("faults", tuple[fault, ...], dataclasses.field(default=())),  # type: ignore[valid-type]
        ("latency_ms", latency, dataclasses.field(default_factory=latency)),
    ]
    schema = dataclasses.make_dataclass(
        "Scenario", extra, bases=(Scenario,), frozen=True, kw_only=True
    )
    return schema


def _section_default(hint: Any) -> Any:
    """Absent: None for ``X | None`` and untyped sections, else the schema's own defaults."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return dataclasses.field(default_factory=hint)
    return dataclasses.field(default=None)


def seed(simulator: SandboxSimulator, scenario: Scenario) -> Any:
    """A fresh section for ``simulator`` from ``scenario`` (a ValueError names the key)."""
    try:
        if simulator.hosts is not None:  # typed sections, converted by the loader
            return simulator.seed(scenario)
        value = getattr(scenario, simulator.name, None)
        return simulator.seed() if value is None else simulator.seed(copy.deepcopy(value))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{simulator.name}: {error}") from None
    except Exception as error:  # a seed that trips over odd input is still the input's fault
        raise ValueError(
            f"{simulator.name}: not accepted ({type(error).__name__}: {error})"
        ) from None


def check_seeds(scenario: Scenario) -> None:
    """Seed every section once at load time, so a bad one fails before anything starts."""
    for simulator in scenario.simulators:
        try:
            seed(simulator, scenario)
        except ValueError as error:
            raise BadInputError(f"scenario {scenario.source or '(dict)'}: {error}") from None


def seed_sections(scenario: Scenario) -> dict[str, Any]:
    return {simulator.name: seed(simulator, scenario) for simulator in scenario.simulators}


def sections_json(world: World) -> dict[str, Any]:
    """The simulators' parts as plain JSON data (a copy: the world goes on changing)."""
    rendered: dict[str, Any] = {}
    for simulator in world.scenario.simulators:
        state = world.sections[simulator.name]
        if simulator.render is not None:
            rendered |= simulator.render(state)
        elif simulator.hosts is None:
            rendered[simulator.name] = state
    # default=str: a section holding e.g. datetimes still prints rather than failing the run.
    return {name: json.loads(json.dumps(value, default=str)) for name, value in rendered.items()}


def outcomes(world: dict[str, Any], scenario: Scenario) -> dict[str, str]:
    """What became of the scenario's alert(s), in words, by id (the alert source's view)."""
    found: dict[str, str] = {}
    for simulator in scenario.simulators:
        if simulator.outcomes is not None:
            found |= simulator.outcomes(world, scenario)
    return found


def alert_source(scenario: Scenario) -> SandboxSimulator:
    """The simulator that builds the alert the scenario sends (the alert source's)."""
    builders: list[SandboxSimulator] = [s for s in scenario.simulators if s.webhook is not None]
    if not builders:
        raise BadInputError(
            f"scenario {scenario.source or scenario.name}: no installed plugin simulates an "
            "alert source, so there is no alert to send"
        )
    return builders[0]


def webhook_body(scenario: Scenario, api_url: str | None = None) -> bytes:
    """The body of the alert the scenario sends; ``api_url``: the source's first host."""
    build = alert_source(scenario).webhook
    assert build is not None  # alert_source only returns simulators that build one
    return build(scenario, api_url)


def write_counts(simulators: Iterable[SandboxSimulator]) -> dict[str, Any]:
    """Kind of write -> how to count it in a world JSON (race trials)."""
    counts: dict[str, Any] = {}
    for simulator in simulators:
        counts |= simulator.writes
    return counts


def render_sections(world: dict[str, Any], builtin: Iterable[str]) -> list[str]:
    """Text lines for the plugins' sections of a world JSON (``cad sandbox run`` output).

    A section holding nothing (no value in any of its collections) is left out: every
    installed plugin's simulator has a section, and most scenarios use none of them.
    """
    lines = []
    for name, section in world.items():
        if name not in builtin and not _empty(section):
            size = f"{len(section)} item(s)" if isinstance(section, list | dict) else "value"
            lines.append(f"  {name} (a plugin's simulator): {size}: {json.dumps(section)[:300]}")
    return lines


def _empty(section: Any) -> bool:
    if isinstance(section, dict):
        return all(_empty(value) for value in section.values())
    if isinstance(section, list):
        return not section
    return section is None


def simulator_named(scenario: Scenario, service: str) -> SandboxSimulator | None:
    """The simulator whose requests are logged under ``service``."""
    return next((s for s in scenario.simulators if service in s.service_names), None)


# --- serving ----------------------------------------------------------------------------------


class PluginSimulator:
    """Adapts a registration to the server's :class:`~cad_core.plugins.simwire.Simulator`."""

    def __init__(self, registration: SandboxSimulator, world: World) -> None:
        self.registration = registration
        self.world = world
        self.routes = [_compile(key, handler) for key, handler in registration.routes.items()]

    def handle(self, request: Request) -> Response:
        allowed = []
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            params = {key: unquote(value) for key, value in match.groupdict().items()}
            return self._call(handler, _sim_request(request, params))
        if allowed:
            raise HttpProblem(405, "Method Not Allowed", allow=", ".join(allowed))
        raise HttpProblem(404, f"no route for {request.method} {request.path}")

    def _call(self, handler: Any, request: SimRequest) -> Response:
        try:
            with self.world.lock:  # one handler at a time: sections need no locks of their own
                result = handler(request, self.world.sections[self.registration.name])
        except SimError as error:
            raise HttpProblem(error.status, error.message) from None
        return _response(result)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        return json_response(status, {"error": message})

    def fault_headers(self, status: int) -> dict[str, str]:
        return {}


def plugin_servers(world: World, tls: ssl.SSLContext) -> dict[str, LoopbackServer]:
    """The hosts of every simulator (not started): a hosts simulator's own, by the names it
    gives them; one named after each routes simulator. ``world.hosts`` records whose is whose.
    """
    from cad_sandbox.simulators.server import LoopbackServer

    servers = {}
    for registration in world.scenario.simulators:
        if registration.hosts is not None:
            mounts = registration.hosts(world, world.sections[registration.name])
            for host, mount in mounts.items():
                if host in servers:
                    raise BadInputError(f"sandbox host {host!r} is declared twice; keep one")
                servers[host] = LoopbackServer(host, world, mount, tls)
            world.hosts[registration.name] = tuple(mounts)
            continue
        world.hosts[registration.name] = (registration.name,)
        simulator = PluginSimulator(registration, world)

        def mount(request: Request, simulator: PluginSimulator = simulator) -> PluginSimulator:
            request.service = simulator.registration.name
            request.path = request.raw_path
            return simulator

        servers[registration.name] = LoopbackServer(registration.name, world, mount, tls)
    return servers


class SimulatedService:
    """One plugin simulator in a running sandbox, as tests see it."""

    def __init__(self, sandbox: Sandbox, name: str) -> None:
        self.sandbox = sandbox
        self.name = name

    @property
    def world(self) -> Any:
        """The simulator's section of the world (live: it changes as requests arrive)."""
        return self.sandbox.world.sections[self.name]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Its entries of the request log."""
        return [r for r in self.sandbox.requests if r["service"] == self.name]

    @property
    def url(self) -> str:
        return self.sandbox.urls[self.name]


def plugin_settings(
    world: World, urls: dict[str, str], taken: Iterable[str], ca_file: str = ""
) -> dict[str, str]:
    """Each simulator's setting -> its URL, plus what its ``exports`` declares; a setting
    the sandbox or another simulator sets already is refused."""
    taken = set(taken)
    settings: dict[str, str] = {}
    for simulator in world.scenario.simulators:
        mine = {host: urls[host] for host in world.hosts[simulator.name]}
        url = next(iter(mine.values()), "")
        host = SimHost(url=url, ca_file=ca_file, urls=mine, state=world.sections[simulator.name])
        declared = dict(simulator.exports(host))
        if simulator.setting is not None:
            declared = {simulator.setting: url, **declared}
        for setting, value in declared.items():
            if setting in taken or setting in settings:
                raise BadInputError(
                    f"sandbox simulator {simulator.name!r}: its setting {setting} is already "
                    "set by the sandbox for another service; give it a setting of its own"
                )
            settings[setting] = str(value)
    return settings


def _compile(key: str, handler: Any) -> tuple[str, re.Pattern[str], Any]:
    method, _, path = key.partition(" ")
    parts = re.split(r"\{(\w+)\}", path)  # literal, name, literal, name, ...
    regex = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return method, re.compile(f"^{regex}$"), handler


def _sim_request(request: Request, params: dict[str, str]) -> SimRequest:
    return SimRequest(
        method=request.method,
        path=request.path,
        query={name: values[0] for name, values in request.query.items() if values},
        params=params,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=request.body,
    )


def _response(result: Any) -> Response:
    if not isinstance(result, SimResponse):
        result = SimResponse(body=result)
    headers = dict(result.headers)
    if isinstance(result.body, bytes):
        kind = headers.pop("Content-Type", "application/octet-stream")
        return Response(result.status, result.body, kind, headers)
    return json_response(result.status, result.body, headers)
