"""Serving the interceptor with waitress: two servers, guarded channels, a clean stop.

waitress: a mature, pure-Python production WSGI server (no C extension, fixed thread
pool, bounded request sizes), which is all a small front door needs.

Two servers, each with its own socket map, loop thread and worker threads: the webhook
port, and a health port for ``/ready`` and ``/metrics``. Slow clients filling the
webhook port's connection limit, or webhooks waiting on a slow API, never delay a probe.

Slow clients: waitress only times out *idle* connections, so a client sending one byte
every few seconds would hold a connection forever. Every channel here must finish its
request (headers and body) within ``request_seconds`` of its first byte, and is closed
after ``idle_seconds`` without activity. Every answer says ``Connection: close``, so the
short idle timeout can never race a client reusing a kept-alive connection.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

import attrs
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask

from cad_core.errors import BadInputError

log = logging.getLogger("cad.interceptor")


@attrs.frozen
class Limits:
    """Connection handling, sized for a pod with a 256 MiB memory limit."""

    threads: int = 4
    connection_limit: int = 64  # each holds at most 512 KiB in memory (bodies spill to disk)
    idle_seconds: int = 10
    request_seconds: float = 15.0
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = 6 * 1024 * 1024


class ClosingTask(WSGITask):
    """Every answer closes its connection (the application may not send hop-by-hop headers)."""

    def build_response_header(self) -> bytes:
        self.set_close_on_finish()
        return bytes(super().build_response_header())


class TimedChannel(HTTPChannel):
    """Remembers when the request being received began; answers close the connection."""

    task_class = ClosingTask
    request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        return bool(super().received(data))


class GuardedServer(TcpWSGIServer):
    """A waitress server that also closes channels whose request takes too long to arrive."""

    channel_class = TimedChannel
    request_seconds = 15.0

    def maintenance(self, now: int) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_seconds
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]  # stub says one
        for channel in list(channels.values()):
            receiving = channel.request is not None and not channel.requests
            if receiving and 0 < channel.request_started < cutoff:
                channel.will_close = True


def make_server(app: Any, host: str, port: int, limits: Limits | None = None) -> Any:
    """A waitress server for ``app``; an address that cannot be used is a BadInputError."""
    limits = limits or Limits()
    try:
        server = GuardedServer(
            app,
            host=host,
            port=port,
            threads=limits.threads,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.idle_seconds,
            cleanup_interval=1,
            max_request_header_size=limits.max_header_bytes,
            max_request_body_size=limits.max_body_bytes,
            ident="cad-interceptor",
        )
    except (OSError, ValueError, OverflowError) as error:
        raise BadInputError(f"cannot listen on {host}:{port}: {error}") from None
    server.request_seconds = limits.request_seconds
    return server


def stop(server: Any) -> None:
    """Stop a server from any thread: its own loop closes every socket, then returns."""
    from waitress import wasyncore

    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:  # the loop already closed its trigger (it is stopping or gone)
        wasyncore.close_all(server._map)


def run_in_thread(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.run, name="cad-health", daemon=True)
    thread.start()
    return thread


def shutdown(server: Any, thread: threading.Thread | None, grace_seconds: float) -> None:
    """Stop the loop, let in-flight requests finish (bounded), wait for the thread."""
    stop(server)
    if thread is not None:
        thread.join(timeout=grace_seconds)
    server.task_dispatcher.shutdown(timeout=grace_seconds)


def serve_forever(server: Any, health: Any = None, grace_seconds: float = 5.0) -> None:
    """Run until SIGTERM or SIGINT, then let in-flight requests finish (bounded)."""

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("received signal %d: shutting down", signum)
        stop(server)

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
    health_thread = run_in_thread(health) if health is not None else None
    where = f"http://{server.effective_host}:{server.effective_port}"
    if health is not None:
        where += f", health on port {health.effective_port}"
    log.info("interceptor listening on %s", where)
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown(timeout=grace_seconds)
        if health is not None:
            shutdown(health, health_thread, grace_seconds)
        log.info("interceptor stopped")
