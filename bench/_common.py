"""Helpers shared by the robustness benches (storm, soak, fuzz); not a bench itself.

Everything here is plain standard library plus CAD's own packages, so each bench stays a
single script: ``.venv/bin/python bench/<name>.py --help``.
"""

from __future__ import annotations

import logging
import statistics
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cad_sandbox.commands import environment as environ  # noqa: F401 - re-exported

REPO = Path(__file__).resolve().parents[1]
# The project's shared folder sits beside the repository; benches that use it say so when
# it is absent rather than failing.
REFERENCE = REPO.parent / "shared" / "reference"
TRACEBACK = "Traceback (most recent call last)"


def progress(message: str) -> None:
    """One progress line on stderr (figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class LogCapture(logging.Handler):
    """Keeps every formatted record (tracebacks included) from the root logger."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lock_ = threading.Lock()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as error:  # a record that cannot be formatted is a finding too
            text = f"unformattable log record from {record.name}: {error!r}"
        with self.lock_:
            self.lines.append(text)

    def take(self) -> list[str]:
        with self.lock_:
            lines, self.lines = self.lines, []
        return lines

    def install(self) -> LogCapture:
        """Make this the only root handler, at this handler's level."""
        root = logging.getLogger()
        root.handlers[:] = [self]
        root.setLevel(self.level)
        # As `cad` does (cad_core.logs.setup_logging): client libraries stay at WARNING.
        for noisy in ("urllib3", "botocore", "boto3", "httpx", "httpx2", "httpcore", "pagerduty"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, self.level))
        return self


def capture_thread_crashes(sink: LogCapture) -> None:
    """Uncaught exceptions in threads become captured log lines instead of stderr noise."""

    def hook(args: threading.ExceptHookArgs) -> None:
        import traceback

        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        name = args.thread.name if args.thread else "?"
        sink.emit(logging.makeLogRecord({"msg": f"thread {name} crashed:\n{text}"}))

    threading.excepthook = hook


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"median {statistics.median(values):.2f}s, p95 {percentile(values, 95):.2f}s, "
        f"max {max(values):.2f}s"
    )


class Goals:
    """Collects PASS/FAIL verdicts; ``exit_code`` is 1 when any goal was missed."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append((name, ok, detail))
        return ok

    def report(self) -> int:
        print("goals:")
        for name, ok, detail in self.results:
            print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
        missed = [name for name, ok, _ in self.results if not ok]
        print(f"result: {'FAIL (' + ', '.join(missed) + ')' if missed else 'PASS'}")
        return 1 if missed else 0


def sandbox_request_counts(requests: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in requests:
        counts[entry["service"]] = counts.get(entry["service"], 0) + 1
    return dict(sorted(counts.items()))
