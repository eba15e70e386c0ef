"""The settings a run needs to reach each built-in simulator, declared by the simulator.

Each built-in simulator module declares ``exported_settings(site) -> dict`` beside its
handlers, as a plugin's simulator declares its ``setting``: the harness only merges them,
so it names no service's setting itself. A name two declarations set is refused (it
would point one client at two hosts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cad_sandbox.scenario import Scenario
    from cad_sandbox.simulators.sites import Secrets


@dataclass(frozen=True)
class Site:
    """What a simulator's settings may name: its hosts, the run's secrets, the scenario."""

    urls: Mapping[str, str]
    secrets: Secrets
    scenario: Scenario
    trust_path: str  # the system's CAs plus the sandbox CA


Exports = Callable[[Site], dict[str, str]]


def builtin_exports() -> tuple[Exports, ...]:
    """Every built-in simulator's declaration, in the order the services are listed."""
    from cad_sandbox.simulators import backplane, ocm, sso

    return (
        sso.exported_settings,
        ocm.exported_settings,
        backplane.exported_settings,
    )


def builtin_settings(site: Site) -> dict[str, str]:
    settings: dict[str, str] = {}
    for exports in builtin_exports():
        declared = exports(site)
        clash = sorted(set(declared) & set(settings))
        if clash:
            raise RuntimeError(f"built-in simulators both set {', '.join(clash)}")
        settings |= declared
    return settings
