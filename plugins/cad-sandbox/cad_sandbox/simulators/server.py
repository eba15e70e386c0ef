"""HTTPS loopback servers and the request pipeline every simulator shares.

Each request: latency for its service, then the first matching fault, then the real route;
the outcome is logged before the answer is written, so a client that has its response can
already see the request in the log. Each entry carries when the request started (its
headers were read) and ended (its answer was ready), in ms on the world's clock.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cad_core.plugins.simwire import HttpProblem, Request, Response, Simulator

from cad_sandbox.scenario import Fault
from cad_sandbox.world import World

logger = logging.getLogger("cad_sandbox")

HANDSHAKE_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 60.0  # keep-alive connections idle this long are closed
MAX_BODY_BYTES = 16 * 1024 * 1024

Mount = Callable[[Request], Simulator]


class LoopbackServer(socketserver.ThreadingMixIn, HTTPServer):
    """One simulator host on 127.0.0.1 with an ephemeral port, TLS in the worker threads.

    Threads are daemons, so a sandbox someone forgot to stop cannot hang the interpreter at
    exit, yet :meth:`stop` still joins every one of them.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, name: str, world: World, mount: Mount, tls: ssl.SSLContext) -> None:
        self.name = name
        self.world = world
        self.mount = mount
        self.tls = tls
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()  # open connections, raw or TLS
        self._workers: list[threading.Thread] = []
        self._closing = False
        self._thread: threading.Thread | None = None
        super().__init__(("127.0.0.1", 0), SimulatorHandler)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, cut open connections, join every thread."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        with self._lock:
            self._closing = True
            open_sockets, workers = list(self._sockets), list(self._workers)
        for sock in open_sockets:
            _cut(sock)
        for worker in workers:
            worker.join()
        self.server_close()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        worker = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"sandbox-{self.name}-connection",
            daemon=True,
        )
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
        worker.start()

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        # Handshake here, in the worker thread, so one slow client cannot block accept().
        request.settimeout(HANDSHAKE_TIMEOUT_S)
        self._track(request)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except OSError:
            return
        finally:
            self._untrack(request)
        self._track(connection)
        try:
            SimulatorHandler(connection, client_address, self)
        except OSError:
            pass  # the client went away; nothing to answer
        finally:
            self._untrack(connection)
            connection.close()

    def handle_error(self, request: object, client_address: object) -> None:
        logger.debug("sandbox %s: connection error", self.name, exc_info=True)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
            if self._closing:  # accepted just before stop(): do not wait out a timeout
                _cut(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)


class SimulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cad-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body go out separately; no 40 ms stalls
    server: LoopbackServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("sandbox %s: " + format, self.server.name, *args)

    def _serve(self) -> None:
        started_ms = self.server.world.elapsed_ms()
        request = self._read_request()
        simulator = self.server.mount(request)
        response = answer(self.server.world, simulator, request, started_ms)
        if response is None:
            self._reset()
        else:
            self._write(response)

    def _read_request(self) -> Request:
        split = urlsplit(self.path)
        return Request(
            method=self.command,
            raw_path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=self._read_body(),
        )

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY_BYTES)) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()  # the blank line after the last chunk
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _reset(self) -> None:
        # Linger 0 makes close() send a TCP RST: the client sees a reset, not a clean EOF.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


def answer(
    world: World, simulator: Simulator, request: Request, started_ms: float | None = None
) -> Response | None:
    """Run one request through latency, faults and the route; None means reset the socket.

    A timeout is logged as ending when the server starts withholding its answer: how long
    the client then waits is the client's own timeout, which the server cannot see.
    """
    world.pause(world.latency_s(request.service))
    fault = world.take_fault(request.service, request.method, request.path)
    if fault is not None and fault.kind != "status":
        world.log_request(
            request.service, request.method, request.path, fault.kind, _query(request), started_ms
        )
        if fault.kind == "reset" or not world.pause(world.timeout_sleep_s):
            return None
        return _route(simulator, request)  # the late answer nobody waits for any more
    response = _route(simulator, request) if fault is None else _fault(simulator, request, fault)
    world.log_request(
        request.service, request.method, request.path, response.status, _query(request), started_ms
    )
    return response


def _query(request: Request) -> str:
    """The query as sent (parameter order kept), for telling repeated requests apart."""
    return urlencode([(name, value) for name, values in request.query.items() for value in values])


def _route(simulator: Simulator, request: Request) -> Response:
    try:
        return simulator.handle(request)
    except HttpProblem as problem:
        response = simulator.error(request, problem.status, problem.message, **problem.details)
        if "allow" in problem.details:
            response.headers["Allow"] = problem.details["allow"]
        return response
    except Exception as exc:  # a simulator bug must surface as a 500, not a hung client
        logger.exception("sandbox: %s %s failed", request.method, request.raw_path)
        return simulator.error(request, 500, f"simulator error: {type(exc).__name__}: {exc}")


def _fault(simulator: Simulator, request: Request, fault: Fault) -> Response:
    status = fault.status or 500
    response = simulator.error(request, status, _phrase(status))
    given = {name: str(value) for name, value in fault.headers.items()}
    response.headers.update(given or simulator.fault_headers(status))
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _cut(sock: socket.socket) -> None:
    """Wake a worker blocked reading a connection, without touching its TLS state."""
    with contextlib.suppress(OSError):  # already closed by its worker
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
