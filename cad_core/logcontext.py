"""What a log line is about: the run, its incident and cluster, the investigation, the action.

The JSON log format (``CAD_LOG_FORMAT=json``) adds these fields to every line so a log
pipeline can follow one run or one incident. The run is process-wide (each alert is a
fresh process; ``cad sandbox run --runs N`` runs one after another), so the threads of
the prefetch pool and the executor pool see it too. It reads the run record live:
the incident and cluster appear as soon as the run has read the alert. The
investigation and the action are per thread: they are set around the code that runs
one investigation or one action, on the thread that runs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import uuid
from collections.abc import Iterator
from typing import Any

_run_lock = threading.Lock()
_run: tuple[str, Any] | None = None  # (run id, the RunRecord being filled in)
_scope: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar(
    "cad_log_scope", default=(None, None)
)


def begin_run(record: Any) -> str:
    """Log lines from now on belong to the run of ``record`` (until the next run begins).

    Returns the run's id: random, so runs of one incident (a redelivered webhook) differ.
    """
    global _run
    run_id = uuid.uuid4().hex[:16]
    with _run_lock:
        _run = (run_id, record)
    return run_id


@contextlib.contextmanager
def work_scope(investigation: str | None, action: str | None = None) -> Iterator[None]:
    """Log lines written on this thread meanwhile are about ``investigation`` (and ``action``)."""
    token = _scope.set((investigation or None, action or None))
    try:
        yield
    finally:
        _scope.reset(token)


def fields() -> dict[str, str | None]:
    """The context of a line written now (``None`` for what is not known or not in a run)."""
    current = _run
    run_id, record = current if current is not None else (None, None)
    alert = getattr(record, "alert", None)
    investigation, action = _scope.get()
    cluster = getattr(record, "cluster_id", None) or getattr(alert, "cluster_id", None)
    return {
        "run_id": run_id,
        "incident": getattr(alert, "id", None) or None,
        "cluster": cluster or None,
        "investigation": investigation,
        "action": action,
    }
