"""The two hosts of cad-ocm's simulators and which simulator answers which path on each.

* ocm: SSO's token endpoint under ``/auth/`` (logged as ``sso``) and OCM's APIs under
  ``/api/``;
* backplane: backplane, the kube API behind ``/backplane/remediation-proxy/<instance>/``
  (logged as ``kube`` with the path after that prefix, or ``management_kube`` for a
  remediation opened with ``managingCluster=management``) and ``/egress``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from cad_core.plugins.simulation import SimHost, SimWorld
from cad_core.plugins.simwire import Mount, Request, Simulator, mounted

from cad_ocm.sandbox.backplane import PROXY_PREFIX, BackplaneSimulator, EgressSimulator
from cad_ocm.sandbox.kube import KubeSimulator
from cad_ocm.sandbox.ocm import OcmSimulator
from cad_ocm.sandbox.sso import TOKEN_PATH, SsoSimulator
from cad_ocm.sandbox.state import OcmState

EGRESS_PATH = "/egress"
# Each service its requests are logged under -> the ``latency_ms:`` key it follows: SSO
# rides on OCM's host, egress on backplane's, the management cluster is a kube API too.
SERVICES = {
    "ocm": "ocm",
    "sso": "ocm",
    "backplane": "backplane",
    "egress": "backplane",
    "kube": "kube",
    "management_kube": "kube",
}


def hosts(world: SimWorld, state: OcmState) -> dict[str, Mount]:
    return {"ocm": _ocm_mount(world, state), "backplane": _backplane_mount(world, state)}


def _ocm_mount(world: SimWorld, state: OcmState) -> Mount:
    sso, ocm = SsoSimulator(world, state), OcmSimulator(world, state)

    def mount(request: Request) -> Simulator:
        if request.raw_path.startswith("/auth/"):
            return mounted(request, "sso", request.raw_path, sso)
        return mounted(request, "ocm", request.raw_path, ocm)

    return mount


def _backplane_mount(world: SimWorld, state: OcmState) -> Mount:
    backplane, egress = BackplaneSimulator(world, state), EgressSimulator(world, state)
    kube = KubeSimulator(world, state)
    management = KubeSimulator(world, state, state.scenario.management_kube, "management")

    def mount(request: Request) -> Simulator:
        path = request.raw_path
        if path.startswith(PROXY_PREFIX):
            instance_id, _, rest = path[len(PROXY_PREFIX) :].partition("/")
            request.context["instance_id"] = instance_id
            with world.lock:
                on_management = instance_id in state.management_remediations
            if on_management:
                return mounted(request, "management_kube", "/" + rest, management)
            return mounted(request, "kube", "/" + rest, kube)
        if path == EGRESS_PATH:
            return mounted(request, "egress", path, egress)
        return mounted(request, "backplane", path, backplane)

    return mount


def is_write(method: str, path: str) -> bool:
    """A token request (a POST to SSO) changes nothing in the world."""
    return method not in ("GET", "HEAD", "OPTIONS") and not path.startswith("/auth/")


def exported_settings(host: SimHost) -> dict[str, str]:
    """cad-ocm's OCM and backplane clients, their SSO credentials, the fake egress verifier."""
    state: OcmState = host.state
    ocm, backplane = host.urls["ocm"], host.urls["backplane"]
    return {
        "CAD_OCM_TOKEN_URL": ocm + TOKEN_PATH,
        "CAD_OCM_CLIENT_ID": state.client_id,
        "CAD_OCM_CLIENT_SECRET": state.client_secret,
        "CAD_OCM_URL": ocm,
        "BACKPLANE_URL": backplane,
        # The egress verifier is a process: the sandbox's stand-in asks this host instead.
        "CAD_NETWORK_VERIFIER": shlex.join([sys.executable, "-m", "cad_sandbox.fake_verifier"]),
        "CAD_SANDBOX_EGRESS_URL": backplane + EGRESS_PATH,
        # cad-ocm's ledger of remediations lives with the sandbox, not in the user's home.
        "CAD_STATE_DIR": str(Path(host.ca_file).parent / "state"),
    }
