"""pytest plugin: ``sandbox`` starts simulators for a scenario, ``sandbox_env`` points the
environment at them, ``cad_simulator`` serves one plugin's own simulator. Loaded in every
pytest session of an install, so imports stay lazy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from cad_sandbox.extensions import SimulatedService
    from cad_sandbox.harness import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``sandbox(scenario_dict_or_path, **options)`` returns a started Sandbox.

    Options are those of :class:`cad_sandbox.harness.Sandbox` (``now``, ``timeout_sleep_s``,
    ``pd_rate_limit_per_minute``). Every sandbox started is stopped at teardown.
    """
    from cad_sandbox.harness import Sandbox

    started: list[Sandbox] = []

    def start(scenario: Any, **options: Any) -> Sandbox:
        box = Sandbox(scenario, **options)
        started.append(box)
        return box.start()

    yield start
    for box in reversed(started):
        box.stop()


@pytest.fixture
def sandbox_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[Sandbox], dict[str, str]]:
    """``sandbox_env(box)`` sets ``box.env()`` for the test (undone at teardown); returns it."""

    def apply(box: Sandbox) -> dict[str, str]:
        settings = box.env()
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        return settings

    return apply


def bundled_scenarios(prefix: str) -> list[str]:
    """Names of the installed plugins' scenarios starting with ``prefix`` (e.g. ``ticket-``)."""
    from cad_sandbox.catalog import bundled_examples

    return sorted(name for name in bundled_examples() if name.startswith(prefix))


@pytest.fixture
def fast_scenario_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries in whole-run scenario tests need not take real seconds.

    A plugin whose investigation waits on its own setting shortens it in its tests'
    conftest, overriding this fixture (``def fast_scenario_runs(fast_scenario_runs, ...)``).
    """
    monkeypatch.setenv("CAD_INVESTIGATION_RETRY_DELAY", "0.05")
    monkeypatch.setenv("CAD_RETRY_BASE_DELAY", "0.05")


@pytest.fixture
def cad_simulator(
    sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., SimulatedService]:
    """``cad_simulator("tickets", seed=[...])``: serve an installed plugin's own simulator.

    Its setting (e.g. ``TICKETS_URL``) and the sandbox's trust bundle are set for the test;
    the returned service shows ``.world`` (its section, live), ``.requests`` and ``.url``.
    Further keyword arguments are scenario keys, e.g. ``faults=[{"service": "tickets",
    "path": "/tickets", "status": 503, "times": 1}]`` or ``latency_ms={"tickets": 20}``.
    """
    from cad_sandbox.extensions import SimulatedService, installed_simulators

    def serve(name: str, seed: Any = None, **scenario: Any) -> SimulatedService:
        simulators = {simulator.name: simulator for simulator in installed_simulators()}
        if name not in simulators:
            known = ", ".join(sorted(simulators)) or "none"
            raise LookupError(f"no installed plugin declares a simulator {name!r} ({known})")
        box = sandbox(scenario if seed is None else {**scenario, name: seed})
        settings = box.env()
        setting = simulators[name].setting
        # A hosts simulator declares its settings through exports: the run's env has them.
        own = [setting] if setting else list(settings)
        for key in (*own, "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NO_PROXY"):
            monkeypatch.setenv(key, settings[key])
        return SimulatedService(box, name)

    return serve
