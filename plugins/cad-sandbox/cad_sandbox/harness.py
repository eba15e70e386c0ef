"""Start the simulators for one scenario and tell real clients how to reach them.

Usage::

    with Sandbox("scenario.yaml") as sandbox:
        os.environ.update(sandbox.env())  # or monkeypatch in tests
        ...  # run the real pipeline on sandbox.webhook_body()
        sandbox.world.to_json(), sandbox.requests
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

from cad_sandbox.extensions import alert_source, plugin_servers, plugin_settings, webhook_body
from cad_sandbox.scenario import Scenario, load_scenario
from cad_sandbox.simulators.server import LoopbackServer
from cad_sandbox.tls import ThrowawayCA
from cad_sandbox.world import World


class Sandbox:
    """All simulators for one scenario, sharing one :class:`World`; a context manager.

    ``scenario`` is a loaded :class:`Scenario`, a path or a dict; ``now`` resolves the
    relative times of a path or dict (a loaded scenario keeps its own). Further keyword
    options are tuning the simulators read from ``world.options`` (for example
    ``pd_rate_limit_per_minute``, read by the alert source's simulator).
    """

    def __init__(
        self,
        scenario: Scenario | str | os.PathLike[str] | Mapping[str, Any],
        now: datetime | None = None,
        *,
        timeout_sleep_s: float | None = None,
        **options: Any,
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, now=now)
        self.scenario = scenario
        self.world = World(scenario, options={k: v for k, v in options.items() if v is not None})
        if timeout_sleep_s is not None:
            self.world.timeout_sleep_s = timeout_sleep_s
        # CAD signs the plans inform mode holds with it; no simulator needs it.
        self.plan_key = secrets.token_urlsafe(32)
        self._ca: ThrowawayCA | None = None
        self._folder: Path | None = None
        self._servers: dict[str, LoopbackServer] = {}
        self.ca_path: Path | None = None  # the sandbox CA alone (curl --cacert)
        self.trust_path: Path | None = None  # the system's CAs plus the sandbox CA

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._servers:
            return self
        try:
            self._folder = Path(tempfile.mkdtemp(prefix="cad-sandbox-"))
            self._ca = ThrowawayCA()
            self.ca_path = self._ca.write_ca_pem(self._folder)
            self.trust_path = self._ca.write_trust_bundle(self._folder)
            self._servers = plugin_servers(self.world, self._ca.server_context())
            for server in self._servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop every server, join threads, remove temp files."""
        self.world.stop_event.set()
        servers, self._servers = self._servers, {}
        # In parallel: each stop waits up to one poll interval for its accept loop.
        stoppers = [threading.Thread(target=server.stop) for server in servers.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what clients need ------------------------------------------------------------------

    @property
    def urls(self) -> dict[str, str]:
        """Each host's base URL, by host name."""
        self._require_started()
        return {name: server.base_url for name, server in self._servers.items()}

    @property
    def secrets(self) -> Any:
        """The run's credentials, by name (each simulator's state may hold some)."""
        found: dict[str, str] = {}
        for state in self.world.sections.values():
            found |= getattr(state, "secrets", None) or {}
        return SimpleNamespace(**found)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.world.requests()

    def env(self) -> dict[str, str]:
        """Environment settings that point the real clients (and CAD) at this sandbox."""
        urls = self.urls
        ca = str(self.trust_path)  # added to the system's trust, so real hosts still verify
        settings = {
            "SSL_CERT_FILE": ca,
            "REQUESTS_CA_BUNDLE": ca,
            # A proxy in the caller's environment must not intercept loopback calls.
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "CAD_PLAN_KEY": self.plan_key,
        }
        # Plugins' simulators: each declares the settings that point its clients at it.
        return settings | plugin_settings(self.world, urls, taken=settings, ca_file=ca)

    def webhook_body(self) -> bytes:
        """The scenario's alert, with its links pointing at this sandbox."""
        source = alert_source(self.scenario)
        return webhook_body(self.scenario, self.urls[self.world.hosts[source.name][0]])

    def _require_started(self) -> None:
        if not self._servers:
            raise RuntimeError("the sandbox is not running; call start() or use it with 'with'")
