"""Declares a sandbox simulator under a name another plugin's simulator has."""

from cad_core import SandboxSimulator, hookimpl


@hookimpl
def cad_sandbox_simulators():
    yield SandboxSimulator(name="statuspage", setting="TWIN_URL", routes={"GET /": lambda r, s: s})
