"""The four loopback hosts and which simulator answers which path on each.

* ocm: SSO's token endpoint under ``/auth/`` and OCM's APIs under ``/api/``;
* backplane: backplane, the kube API behind ``/backplane/remediation-proxy/<instance>/``
  (logged as ``kube`` with the path after that prefix, or ``management_kube`` for a
  remediation opened with ``managingCluster=management``) and ``/egress``;

Plugins' simulators (``cad_sandbox_simulators``) get a host each, after these.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from cad_core.plugins.simwire import Mount, Request, Simulator

from cad_sandbox.extensions import plugin_servers
from cad_sandbox.simulators.backplane import PROXY_PREFIX, BackplaneSimulator, EgressSimulator
from cad_sandbox.simulators.kube import KubeSimulator
from cad_sandbox.simulators.ocm import OcmSimulator
from cad_sandbox.simulators.server import LoopbackServer
from cad_sandbox.simulators.sso import SsoSimulator
from cad_sandbox.world import World

EGRESS_PATH = "/egress"


@dataclass(frozen=True)
class Secrets:
    ocm_client_id: str
    ocm_client_secret: str


def build_servers(world: World, secrets: Secrets, tls: ssl.SSLContext) -> dict[str, LoopbackServer]:
    """Create (not start) one server per host, all sharing ``world``; plugins' hosts first."""
    return {
        **plugin_servers(world, tls),
        "ocm": LoopbackServer("ocm", world, _ocm_mount(world, secrets), tls),
        "backplane": LoopbackServer("backplane", world, _backplane_mount(world), tls),
    }


def _ocm_mount(world: World, secrets: Secrets) -> Mount:
    sso = SsoSimulator(world, secrets.ocm_client_id, secrets.ocm_client_secret)
    ocm = OcmSimulator(world)

    def mount(request: Request) -> Simulator:
        if request.raw_path.startswith("/auth/"):
            return _mounted(request, "sso", request.raw_path, sso)
        return _mounted(request, "ocm", request.raw_path, ocm)

    return mount


def _backplane_mount(world: World) -> Mount:
    backplane, kube, egress = (
        BackplaneSimulator(world),
        KubeSimulator(world),
        EgressSimulator(world),
    )
    management = KubeSimulator(world, world.scenario.management_kube, "management")

    def mount(request: Request) -> Simulator:
        path = request.raw_path
        if path.startswith(PROXY_PREFIX):
            instance_id, _, rest = path[len(PROXY_PREFIX) :].partition("/")
            request.context["instance_id"] = instance_id
            with world.lock:
                on_management = instance_id in world.management_remediations
            if on_management:
                return _mounted(request, "management_kube", "/" + rest, management)
            return _mounted(request, "kube", "/" + rest, kube)
        if path == EGRESS_PATH:
            return _mounted(request, "egress", path, egress)
        return _mounted(request, "backplane", path, backplane)

    return mount


def _mounted(request: Request, service: str, path: str, simulator: Simulator) -> Simulator:
    request.service = service
    request.path = path
    return simulator
