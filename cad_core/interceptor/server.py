"""Serving the interceptor with waitress, with a graceful stop on SIGTERM/SIGINT.

waitress: a mature, pure-Python production WSGI server (no C extension, runs anywhere
Python does, fixed thread pool, bounded request sizes), which is all a small front door
needs; an ASGI stack would add an event loop for no gain since each request is short.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

log = logging.getLogger("cad.interceptor")


def make_server(app: Any, host: str, port: int, threads: int = 4) -> Any:
    from waitress.server import create_server

    # channel_timeout must outlast clients' keep-alive idle time (Go's default is 90 s):
    # shorter, and waitress may close an idle connection just as a request arrives on it.
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=120,
        max_request_body_size=6 * 1024 * 1024,
        ident="cad-interceptor",
    )


def serve_forever(server: Any, grace_seconds: float = 5.0) -> None:
    """Run until SIGTERM or SIGINT, then let in-flight requests finish (bounded)."""
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("received signal %d: shutting down", signum)
        stopping.set()
        server.close()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop)
    log.info("interceptor listening on http://%s:%s", server.effective_host, server.effective_port)
    try:
        server.run()
    except (OSError, ValueError):
        if not stopping.is_set():
            raise
    finally:
        server.task_dispatcher.shutdown(timeout=grace_seconds)
        log.info("interceptor stopped")
