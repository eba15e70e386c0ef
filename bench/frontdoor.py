"""Front door bench: `cad interceptor` as a real process under an attacker and an unlucky day.

Figures (issue 14):

* peak RSS of the interceptor after 8 concurrent unsigned 5 MiB bodies (goal < 256 MiB);
* ``/ready`` latency p99 with 300 slow connections open on the webhook port, and while
  PagerDuty answers every request with 429 (goal < 200 ms each);
* runs started (``continue: true`` answers) by 10 replays of one signed webhook (goal 1).

Figures (issue 22):

* webhook-port outage after a burst of N idle connections (nothing sent after connect):
  the time from the burst to the first answered signed webhook (goal < 2 s for N = 300);
* webhooks left unanswered (no answer within 30 s) by 8 clients sending distinct signed
  webhooks for 60 s, with the interceptor logging at INFO into a pipe nobody reads (the
  condition that stalled it) (goal 0), and the throughput;
* runs started by 10 replays of one signed webhook, each with a fresh ``X-Webhook-Id``
  (goal 1).

A plain script: it prints the figures and PASS/FAIL, and exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

MIB = 1024 * 1024
SECRET = "frontdoor-bench-secret"
INCIDENT = "Q1FRONTDOOR01"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scenario(faults: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "frontdoor",
        "pagerduty": {
            "incident": {
                "id": INCIDENT,
                "title": "cluster-a has gone missing",
                "service": {"id": "PSVC001", "summary": "prod-deadmanssnitch"},
            },
            "alerts": [{"details": {"cluster_id": "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"}}],
            "webhook": "v3",
        },
        "faults": faults,
    }


class Door:
    """One `cad interceptor` process against one sandbox."""

    def __init__(
        self, faults: list[dict[str, Any]], folder: Path, stuck_log_reader: bool = False
    ) -> None:
        from cad_sandbox.harness import Sandbox

        self.box = Sandbox(scenario(faults)).start()
        config = folder / "routing.yaml"
        config.write_text(
            "alerts:\n  - alert_title: has gone missing\n    investigations: [precheck]\n"
        )
        self.port, self.health = free_port(), free_port()
        env = {
            **os.environ,
            **self.box.env(),
            "PD_SIGNATURE": SECRET,
            "CAD_INVESTIGATION_CONFIG_PATH": str(config),
            "LOG_LEVEL": "info" if stuck_log_reader else "error",
        }
        command = [
            sys.executable,
            "-c",
            "from cad_core.cli.commands import main; main()",
            "interceptor",
        ]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--health-port", str(self.health)]
        # A pipe nobody reads: its buffer fills after a few hundred log lines.
        stderr = subprocess.PIPE if stuck_log_reader else subprocess.DEVNULL
        self.process = subprocess.Popen(command, env=env, stderr=stderr)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.ready = f"http://127.0.0.1:{self.health}/ready"
        for _ in range(600):
            try:
                if requests.get(self.ready, timeout=5).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise SystemExit("cad interceptor never became ready")

    def peak_rss(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def probe_p99(self, count: int = 100) -> float:
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            requests.get(self.ready, timeout=30).raise_for_status()
            latencies.append(time.perf_counter() - started)
        latencies.sort()
        return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    def close(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.communicate(timeout=30)  # drains a log pipe, so it can stop
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.box.stop()


def signed_envelope(body: bytes) -> dict[str, Any]:
    from cad_pagerduty.signature import HEADER, sign

    return {"body": body.decode(), "header": {HEADER: [sign(body, SECRET)]}}


def unsigned_flood(door: Door) -> float:
    raw = b'{"header":{},"x":[' + b"{}," * (5 * MIB // 3 - 20) + b'{}],"body":"a"}'
    pad = b'{"header":{},"body":"' + b"a" * (5 * MIB - 40) + b'"}'
    bodies = [raw, pad] * 4
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda b: requests.post(door.url, data=b, timeout=120).status_code, bodies)
        )
    assert set(codes) <= {400, 413}, codes
    return door.peak_rss() / MIB


def slow_clients(door: Door, count: int) -> float:
    held = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", door.port), timeout=10)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n")
            held.append(sock)
        return door.probe_p99()
    finally:
        for sock in held:
            sock.close()


def under_429(door: Door) -> float:
    body = door.box.webhook_body()
    pool = ThreadPoolExecutor(8)
    try:
        for i in range(16):
            envelope = signed_envelope(body.replace(b"}", b" }", 1) if i % 2 else body)
            pool.submit(requests.post, door.url, json=envelope, timeout=120)
        return door.probe_p99()
    finally:
        pool.shutdown(wait=True)


def idle_outage(door: Door, count: int) -> float:
    """Seconds from a burst of ``count`` idle connections to the first answered webhook."""
    envelope = signed_envelope(door.box.webhook_body())
    held = [socket.create_connection(("127.0.0.1", door.port), timeout=10) for _ in range(count)]
    started = time.perf_counter()
    try:
        while True:
            try:
                requests.post(door.url, json=envelope, timeout=60)
                return time.perf_counter() - started
            except requests.RequestException:
                if time.perf_counter() - started > 120:
                    return float("inf")
    finally:
        for sock in held:
            sock.close()


def with_event_id(body: bytes, event_id: str) -> bytes:
    import json

    webhook = json.loads(body)
    webhook["event"]["id"] = event_id
    return json.dumps(webhook).encode()


def sustained(door: Door, seconds: float, clients: int = 8) -> tuple[int, int]:
    """(answered, unanswered within 30 s) for ``clients`` senders of distinct webhooks."""
    body, stop = door.box.webhook_body(), time.monotonic() + seconds
    numbers = iter(range(10**9))
    counted = {"answered": 0, "unanswered": 0}

    def sender() -> None:
        while time.monotonic() < stop:
            envelope = signed_envelope(with_event_id(body, f"load-{next(numbers)}"))
            try:
                requests.post(door.url, json=envelope, timeout=30)
                counted["answered"] += 1
            except requests.RequestException:
                counted["unanswered"] += 1

    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(sender)
    return counted["answered"], counted["unanswered"]


def fresh_id_replays(door: Door, count: int = 10) -> int:
    from cad_pagerduty.signature import HEADER, sign

    body = with_event_id(door.box.webhook_body(), "fresh-id-replays")
    answers = []
    for i in range(count):
        headers = {HEADER: [sign(body, SECRET)], "X-Webhook-Id": [f"fresh-{i}"]}
        envelope = {"body": body.decode(), "header": headers}
        answers.append(requests.post(door.url, json=envelope, timeout=120).json())
    return sum(1 for answer in answers if answer.get("continue"))


def replays(door: Door, count: int = 10) -> int:
    envelope = signed_envelope(door.box.webhook_body())
    answers = [requests.post(door.url, json=envelope, timeout=120).json() for _ in range(count)]
    return sum(1 for answer in answers if answer.get("continue"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=int, default=300, help="slow connections (300)")
    parser.add_argument("--idle", type=int, default=300, help="idle connections (300)")
    parser.add_argument("--seconds", type=float, default=60, help="sustained load (60 s)")
    args = parser.parse_args(argv)
    results: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory() as folder:
        door = Door([], Path(folder))
        try:
            idle = door.peak_rss() / MIB
            peak = unsigned_flood(door)
            results.append(
                (
                    f"peak RSS, 8 concurrent unsigned 5 MiB bodies (idle {idle:.0f} MiB)",
                    f"{peak:.0f} MiB",
                    peak < 256,
                )
            )
            p99 = slow_clients(door, args.slow)
            results.append(
                (f"/ready p99 with {args.slow} slow connections", f"{p99 * 1000:.1f} ms", p99 < 0.2)
            )
            started = replays(door)
            results.append(
                ("runs started by 10 replays of one signed webhook", str(started), started == 1)
            )
            started = fresh_id_replays(door)
            results.append(
                (
                    "runs started by 10 replays, each with a fresh X-Webhook-Id",
                    str(started),
                    started == 1,
                )
            )
            outage = idle_outage(door, args.idle)
            results.append(
                (
                    f"webhook-port outage after {args.idle} idle connections",
                    f"{outage:.2f} s",
                    outage < 2,
                )
            )
        finally:
            door.close()
        door = Door([], Path(folder), stuck_log_reader=True)
        try:
            answered, unanswered = sustained(door, args.seconds)
            rate = answered / args.seconds
            results.append(
                (
                    f"unanswered webhooks, 8 clients for {args.seconds:g} s (log pipe unread; "
                    f"{answered} answered, {rate:.0f}/s)",
                    str(unanswered),
                    unanswered == 0,
                )
            )
        finally:
            door.close()
        fault = {"service": "pagerduty", "path": "*", "status": 429}
        door = Door([fault], Path(folder))
        try:
            p99 = under_429(door)
            results.append(
                ("/ready p99 while PagerDuty answers 429", f"{p99 * 1000:.1f} ms", p99 < 0.2)
            )
        finally:
            door.close()
    for what, figure, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {figure}")
    return 0 if all(ok for _w, _f, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
