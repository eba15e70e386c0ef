"""Serving the interceptor with waitress: two servers, guarded channels, a clean stop.

waitress: a mature, pure-Python production WSGI server (no C extension, fixed thread
pool, bounded request sizes), which is all a small front door needs.

Two servers, each with its own socket map, loop thread and worker threads: the webhook
port, and a health port for ``/ready`` and ``/metrics``. Slow clients filling the
webhook port's connection limit, or webhooks waiting on a slow API, never delay a probe.

Slow and idle clients: waitress only times out *idle* connections, so a client sending
one byte every few seconds would hold a connection forever, and a burst of connections
that send nothing would fill the connection limit for a whole idle timeout (issue 22.4:
300 of them left the port unanswered for 40 s). Here every connection must deliver its
request headers within ``header_seconds`` of being accepted and the whole request within
``request_seconds``; the limit is high enough (with ``poll()``, not ``select()``) that such
a burst is accepted and dropped rather than left queueing in front of real senders. Every
answer says ``Connection: close``, so no idle timeout can race a client reusing one.
"""

from __future__ import annotations

import logging
import resource
import signal
import socket
import threading
from typing import Any

import attrs
from cad_core.errors import BadInputError
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask

log = logging.getLogger("cad.interceptor")


@attrs.frozen
class Limits:
    """Connection handling, sized for a pod with a 256 MiB memory limit."""

    # Request threads mostly wait (up to CAD_INTERCEPTOR_ANSWER_SECONDS) on the delivery
    # pool; enough of them that waiting webhooks never leave a probe without a thread.
    threads: int = 16
    # An idle connection costs a few KiB; one receiving a body holds at most
    # ``inbuf_bytes`` in memory (the rest spills to a temporary file): 512 x 64 KiB = 32 MiB.
    connection_limit: int = 512
    inbuf_bytes: int = 64 * 1024
    header_seconds: float = 5.0
    request_seconds: float = 10.0
    idle_seconds: int = 5
    backlog: int = 1024
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = 6 * 1024 * 1024


class ClosingTask(WSGITask):
    """Every answer closes its connection (the application may not send hop-by-hop headers)."""

    def build_response_header(self) -> bytes:
        self.set_close_on_finish()
        return bytes(super().build_response_header())


class ClosingChannel(HTTPChannel):
    task_class = ClosingTask


class GuardedServer(TcpWSGIServer):
    """A waitress server that also closes connections whose request is late to arrive."""

    channel_class = ClosingChannel
    header_seconds = 5.0
    request_seconds = 10.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # waitress passes time.time()
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]  # stub says one
        for channel in list(channels.values()):
            if channel.requests:  # complete: being answered
                continue
            request = channel.request
            headers_done = request is not None and request.headers_finished
            allowed = self.request_seconds if headers_done else self.header_seconds
            if channel.creation_time < now - allowed:
                channel.will_close = True


def make_server(app: Any, host: str, port: int, limits: Limits | None = None) -> Any:
    """A waitress server for ``app``; an address that cannot be used is a BadInputError."""
    limits = limits or Limits()
    _allow_descriptors(limits.connection_limit + 64)
    try:
        server = GuardedServer(
            app,
            host=host,
            port=port,
            threads=limits.threads,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.idle_seconds,
            cleanup_interval=1,
            backlog=limits.backlog,
            asyncore_use_poll=True,  # select() cannot watch descriptors past 1024
            inbuf_overflow=limits.inbuf_bytes,
            max_request_header_size=limits.max_header_bytes,
            max_request_body_size=limits.max_body_bytes,
            ident="cad-interceptor",
        )
    except (OSError, ValueError, OverflowError) as error:
        raise BadInputError(f"cannot listen on {host}:{port}: {error}") from None
    server.header_seconds = limits.header_seconds
    server.request_seconds = limits.request_seconds
    return server


def _allow_descriptors(wanted: int) -> None:
    """Raise the soft limit on open files towards ``wanted`` (never above the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:
            log.warning("cannot raise the open-file limit to %d: %s", target, error)


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


def probe(host: str, port: int, timeout: float = 1.5) -> str:
    """Why the webhook port at ``host:port`` does not answer ``GET /ready``; "" if it does.

    A connection the kernel accepts says nothing (the backlog takes it even when waitress
    has stopped accepting), so this sends a request and waits for the status line.
    """
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=timeout) as sock:
            sock.sendall(b"GET /ready HTTP/1.0\r\nHost: probe\r\n\r\n")
            head = sock.recv(32)
    except OSError as error:
        return f"the webhook port {port} did not answer within {timeout:g} s ({error})"
    if not head.startswith(b"HTTP/1.") or head[9:12] != b"200":
        return f"the webhook port {port} answered {head[:20]!r}"
    return ""
