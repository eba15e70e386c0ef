"""A plugin's own simulator (hook cad_sandbox_simulators), served like a built-in service.

The simulator comes from an inline plugin in a real registry (the hook path the sandbox
uses for installed plugins); requests go through `requests` over loopback HTTPS.
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cad_core import SandboxSimulator, SimError, SimRequest, SimResponse
from cad_core.errors import BadInputError
from cad_core.plugins.registry import Registry
from cad_core.plugins.simulation import SimHost
from cad_core.testing import inline_plugin

from cad_sandbox.check import compare
from cad_sandbox.harness import Sandbox
from cad_sandbox.render import render_world
from cad_sandbox.scenario import Expect, load_scenario, parse_scenario


def list_tickets(request: SimRequest, tickets: list[dict[str, Any]]) -> Any:
    return [t for t in tickets if t["cluster"] == request.query.get("cluster")]


def open_ticket(request: SimRequest, tickets: list[dict[str, Any]]) -> SimResponse:
    ticket = request.json()
    if not isinstance(ticket, dict) or "title" not in ticket:
        raise SimError(422, "a ticket needs a title")
    tickets.append(ticket)
    return SimResponse(201, ticket, {"Location": f"/tickets/{len(tickets) - 1}"})


def get_ticket(request: SimRequest, tickets: list[dict[str, Any]]) -> Any:
    return tickets[int(request.params["number"])]


def seed_tickets(tickets: Any = None) -> list[dict[str, Any]]:
    if tickets is not None and not isinstance(tickets, list):
        raise ValueError("expected a list of tickets")
    return list(tickets or [])


TICKETS = SandboxSimulator(
    name="tickets",
    setting="TICKETS_URL",
    routes={
        "GET /tickets": list_tickets,
        "POST /tickets": open_ticket,
        "GET /tickets/{number}": get_ticket,
        "POST /search": lambda request, tickets: tickets,
        "GET /raw": lambda request, tickets: SimResponse(
            200, b"plain", {"Content-Type": "text/plain"}
        ),
    },
    seed=seed_tickets,
    is_write=lambda method, path: method != "GET" and path != "/search",
)


def simulators_plugin(*simulators: SandboxSimulator, name: str = "ticketing") -> Any:
    return inline_plugin(name, cad_sandbox_simulators=lambda: iter(simulators))


@pytest.fixture
def tickets_installed(cad_registry: Callable[..., Registry]) -> Registry:
    return cad_registry(simulators_plugin(TICKETS))


@pytest.fixture
def box(tickets_installed: Registry) -> Iterator[Sandbox]:
    scenario = {
        "tickets": [{"cluster": "c0", "title": "older"}],
        "faults": [{"service": "tickets", "path": "/tickets/9", "status": 503, "times": 1}],
        "latency_ms": {"tickets": 1},
    }
    with Sandbox(scenario) as sandbox:
        yield sandbox


def call(box: Sandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    url = box.env()["TICKETS_URL"] + path
    return requests.request(method, url, verify=box.trust_path, timeout=10, **kwargs)


def test_the_setting_names_the_simulators_https_url(box: Sandbox) -> None:
    assert box.env()["TICKETS_URL"] == box.urls["tickets"]
    assert box.urls["tickets"].startswith("https://127.0.0.1:")


def test_routes_section_and_request_log(box: Sandbox) -> None:
    created = call(box, "POST", "/tickets", json={"cluster": "c1", "title": "Disk"})
    assert (created.status_code, created.headers["Location"]) == (201, "/tickets/1")
    assert call(box, "GET", "/tickets", params={"cluster": "c1"}).json() == [
        {"cluster": "c1", "title": "Disk"}
    ]
    assert call(box, "GET", "/tickets/0").json() == {"cluster": "c0", "title": "older"}
    assert call(box, "POST", "/search").status_code == 200
    assert box.world.to_json()["tickets"] == [
        {"cluster": "c0", "title": "older"},
        {"cluster": "c1", "title": "Disk"},
    ]
    logged = [(r["service"], r["method"], r["path"], r["status"], r["write"]) for r in box.requests]
    assert logged == [
        ("tickets", "POST", "/tickets", 201, True),
        ("tickets", "GET", "/tickets", 200, False),
        ("tickets", "GET", "/tickets/0", 200, False),
        ("tickets", "POST", "/search", 200, False),  # the simulator's own is_write
    ]


def test_errors_have_the_simulators_shape(box: Sandbox) -> None:
    refused = call(box, "POST", "/tickets", json={"cluster": "c1"})
    assert (refused.status_code, refused.json()) == (422, {"error": "a ticket needs a title"})
    assert call(box, "POST", "/tickets", data=b"{not json").status_code == 400
    missing = call(box, "GET", "/nothing")
    assert missing.status_code == 404 and "error" in missing.json()
    wrong = call(box, "DELETE", "/tickets")
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "GET, POST")
    crashed = call(box, "GET", "/tickets/7")  # IndexError in the handler
    assert crashed.status_code == 500 and "IndexError" in crashed.json()["error"]
    raw = call(box, "GET", "/raw")
    assert (raw.text, raw.headers["Content-Type"]) == ("plain", "text/plain")


def test_faults_keyed_by_the_simulators_name(box: Sandbox) -> None:
    assert call(box, "GET", "/tickets/9").status_code == 503  # the fault, spent
    assert call(box, "GET", "/tickets/9").status_code == 500  # the handler: no ticket 9
    assert [r["status"] for r in box.requests] == [503, 500]


def test_expect_world_reaches_the_section(box: Sandbox) -> None:
    call(box, "POST", "/tickets", json={"cluster": "c1", "title": "Disk"})
    world = box.world.to_json()
    expect = Expect(world={"tickets.length": 2, "tickets.1.title": "Disk"})
    assert compare(expect, 0, {}, world) == []
    wrong = Expect(world={"tickets.5.title": "Disk"})
    [problem] = compare(wrong, 0, {}, world)
    assert problem.endswith("tickets has no '5'")
    assert "tickets (a plugin's simulator): 2 item(s)" in render_world(world, box.requests)


def test_a_scenario_key_is_accepted_only_for_an_installed_simulator(
    cad_registry: Callable[..., Registry],
) -> None:
    cad_registry()  # no simulators installed
    with pytest.raises(BadInputError, match="unknown key 'tickets' at the top level"):
        load_scenario({"tickets": []})
    with pytest.raises(BadInputError, match=r"faults\[0\]\.service: expected one of"):
        load_scenario({"faults": [{"service": "tickets", "path": "/t", "status": 500}]})


def test_a_bad_seed_is_one_line_naming_the_key(tickets_installed: Registry) -> None:
    with pytest.raises(BadInputError) as caught:
        load_scenario({"tickets": "three"})
    assert str(caught.value) == "scenario (dict): tickets: expected a list of tickets"
    with pytest.raises(BadInputError, match="unknown key 'tikets'.*allowed: .*tickets"):
        load_scenario({"tikets": []})


def test_a_simulator_cannot_take_a_builtin_name(cad_registry: Callable[..., Registry]) -> None:
    clash = SandboxSimulator(name="faults", setting="MY_FAULTS", routes={"GET /": lambda r, s: s})
    cad_registry(simulators_plugin(clash))
    with pytest.raises(BadInputError, match="'faults'.*which the sandbox uses itself"):
        load_scenario({})


def test_a_simulator_cannot_take_a_service_another_one_serves(
    cad_registry: Callable[..., Registry],
) -> None:
    # cad-ocm's simulator logs its token requests as the service "sso".
    clash = SandboxSimulator(name="sso", setting="MY_SSO", routes={"GET /": lambda r, s: s})
    cad_registry(simulators_plugin(clash), entry_points=True)
    with pytest.raises(BadInputError, match="'ocm' .* and 'sso' .* both take the name 'sso'"):
        load_scenario({})


def test_two_plugins_declaring_one_name_is_an_error(cad_registry: Callable[..., Registry]) -> None:
    other = SandboxSimulator(name="tickets", setting="OTHER_URL", routes={"GET /": lambda r, s: s})
    cad_registry(simulators_plugin(TICKETS), simulators_plugin(other, name="other"))
    with pytest.raises(BadInputError, match="'tickets' is declared by .* and .*; keep one"):
        load_scenario({})


def test_a_setting_the_sandbox_sets_itself_is_refused(
    cad_registry: Callable[..., Registry],
) -> None:
    clash = SandboxSimulator(name="pd2", setting="CAD_PD_URL", routes={"GET /": lambda r, s: s})
    cad_registry(simulators_plugin(clash), entry_points=True)  # cad-pagerduty's sets it
    with Sandbox({}) as sandbox, pytest.raises(BadInputError, match="CAD_PD_URL is already set"):
        sandbox.env()


def test_exports_add_settings_from_the_host_and_may_not_take_another_s(
    cad_registry: Callable[..., Registry],
) -> None:
    def exports(host: SimHost) -> dict[str, str]:
        return {"TICKETS_TOKEN": "t0k", "TICKETS_CA": host.ca_file}

    tickets = SandboxSimulator(
        name="tickets", setting="TICKETS_URL", routes={"GET /": lambda r, s: s}, exports=exports
    )
    clash = SandboxSimulator(
        name="pd2",
        setting="PD2_URL",
        routes={"GET /": lambda r, s: s},
        exports=lambda host: {"SSL_CERT_FILE": host.ca_file},
    )
    cad_registry(simulators_plugin(tickets))
    with Sandbox({}) as sandbox:
        env = sandbox.env()
    assert env["TICKETS_URL"].startswith("https://127.0.0.1:")
    assert env["TICKETS_TOKEN"] == "t0k" and env["TICKETS_CA"] == env["SSL_CERT_FILE"]
    cad_registry(simulators_plugin(clash))
    with Sandbox({}) as sandbox, pytest.raises(BadInputError, match="SSL_CERT_FILE is already"):
        sandbox.env()


def test_the_registration_is_validated_when_built() -> None:
    with pytest.raises(ValueError, match="simulator name 'My-Tickets' is not valid"):
        SandboxSimulator(name="My-Tickets", setting="X", routes={"GET /": lambda r, s: s})
    with pytest.raises(ValueError, match="route 'FETCH /x' is not 'METHOD /path'"):
        SandboxSimulator(name="t", setting="X", routes={"FETCH /x": lambda r, s: s})
    with pytest.raises(ValueError, match="at least one route"):
        SandboxSimulator(name="t", setting="X", routes={})


def test_cad_simulator_fixture_serves_one_simulator(
    tickets_installed: Registry, cad_simulator: Callable[..., Any]
) -> None:
    tickets = cad_simulator("tickets", seed=[{"cluster": "c0", "title": "older"}])
    reply = requests.get(os.environ["TICKETS_URL"] + "/tickets/0", timeout=10)  # trust is set
    assert reply.json() == {"cluster": "c0", "title": "older"}
    assert tickets.url == os.environ["TICKETS_URL"]
    assert [r["path"] for r in tickets.requests] == ["/tickets/0"]
    with pytest.raises(LookupError, match="no installed plugin declares a simulator 'chat'"):
        cad_simulator("chat")


def test_the_docs_example_simulator_serves(cad_registry: Callable[..., Registry]) -> None:
    page = Path(__file__).resolve().parents[3] / "docs" / "sandbox.md"
    if not page.exists():
        pytest.skip("docs/sandbox.md is not next to this plugin (installed elsewhere)")
    section = page.read_text(encoding="utf-8").split("## Simulating your own service", 1)[1]
    [source] = re.findall(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    module = types.ModuleType("docs_tickets")
    exec(compile(source, "docs/sandbox.md", "exec"), module.__dict__)
    cad_registry(module)
    with Sandbox({"tickets": [{"cluster": "c0", "title": "older"}]}) as box:
        url, trust = box.env()["TICKETS_URL"], box.trust_path
        opened = requests.post(
            f"{url}/tickets", json={"cluster": "c1", "title": "x"}, verify=trust, timeout=10
        )
        assert opened.status_code == 201
        assert requests.get(f"{url}/tickets/1", verify=trust, timeout=10).json()["title"] == "x"
        refused = requests.post(f"{url}/tickets", json={}, verify=trust, timeout=10)
        assert refused.json() == {"error": "a ticket needs a title"}
        assert box.world.read_path("tickets.length") == 2


def test_a_seed_that_crashes_is_still_one_line(cad_registry: Callable[..., Registry]) -> None:
    fussy = SandboxSimulator(
        name="fussy",
        setting="FUSSY_URL",
        routes={"GET /": lambda r, s: s},
        seed=lambda d=None: d["x"],
    )
    cad_registry(simulators_plugin(fussy))
    with pytest.raises(BadInputError) as caught:
        load_scenario({"fussy": {"y": 1}})
    assert str(caught.value) == "scenario (dict): fussy: not accepted (KeyError: 'x')"


def test_text_output_leaves_out_sections_that_hold_nothing() -> None:
    from cad_sandbox.extensions import render_sections

    world = {"route53": {"zones": []}, "graph": {}, "tickets": {"open": [{"id": 1}]}}
    [line] = render_sections(world, builtin=())
    assert line.strip() == 'tickets (a plugin\'s simulator): 1 item(s): {"open": [{"id": 1}]}'


def test_the_docs_hosts_example_serves_its_own_wire(cad_registry: Callable[..., Registry]) -> None:
    # docs/sandbox.md's hosts simulator: typed section, own error format, its own settings.
    page = Path(__file__).resolve().parents[3] / "docs" / "sandbox.md"
    if not page.exists():
        pytest.skip("docs/sandbox.md is not next to this plugin (installed elsewhere)")
    section = page.read_text(encoding="utf-8").split("### A service with its own wire", 1)[1]
    [source] = re.findall(r"^```py\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    module = types.ModuleType("docs_desk")
    # dont_inherit: the page's code runs without this file's `from __future__` flags.
    exec(compile(source, "docs/sandbox.md", "exec", dont_inherit=True), module.__dict__)
    cad_registry(module)
    with pytest.raises(BadInputError, match=r"line 1: unknown key 'queu' in desk \(allowed: q"):
        parse_scenario("desk: {queu: q1}\n", "desk.yaml")
    with Sandbox({"desk": {"queue": "q1", "tickets": ["T-1"]}}) as box:
        url, trust = box.env()["DESK_URL"], box.trust_path
        answer = requests.get(f"{url}/queues/q1", verify=trust, timeout=10)
        assert answer.json() == {"tickets": ["T-1"]}
        missing = requests.get(f"{url}/nowhere", verify=trust, timeout=10)
        assert missing.status_code == 404 and missing.json()["fault"]["code"] == 404
        assert box.world.read_path("desk.tickets.length") == 1
        assert [(r["service"], r["path"]) for r in box.requests] == [
            ("desk", "/queues/q1"),
            ("desk", "/nowhere"),
        ]


def test_a_hosts_simulator_whose_seed_crashes_is_one_line(
    cad_registry: Callable[..., Registry],
) -> None:
    broken = SandboxSimulator(name="broken", hosts=lambda world, state: {}, seed=lambda s: 1 / 0)
    cad_registry(simulators_plugin(broken))
    with pytest.raises(BadInputError, match=r"^scenario \(dict\): broken: not accepted \(Zero"):
        load_scenario({})
