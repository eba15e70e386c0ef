"""SIGTERM ends a run the way Ctrl-C does: by an exception, so clean-up runs.

Kubernetes stops a pod (a cancelled PipelineRun, a node drain) with SIGTERM, and Python's
default for it ends the process on the spot: no ``finally`` block runs, so a backplane
remediation (a service account with RBAC on a customer's cluster) or a Lease would be
left behind. Inside :func:`clean_exit_on_sigterm` SIGTERM raises :class:`Terminated`
(a ``SystemExit`` with code 143) in the main thread instead; the run's ``finally`` blocks
close its resources and release its locks on the way out. A second SIGTERM while that
clean-up runs is ignored, and one that arrives while the run's normal clean-up is under
way (:func:`shielded`) waits for its end, so neither cuts it short. SIGKILL, which no
process can catch, is what the next run's sweep of the grant ledger is for.

:func:`collector_paused` is the other way a one-alert process differs from a long-lived
one: it ends with its run, so it needs no cycle collector while the run lasts.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

log = logging.getLogger("cad.shutdown")


class Terminated(SystemExit):
    """Raised in the main thread by SIGTERM: exit code 128 + 15, after clean-up."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


_shield = threading.local()


def _stop(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_IGN)  # the clean-up that follows must not be cut short
    log.warning("received %s: cleaning up, then exiting", signal.Signals(signum).name)
    if getattr(_shield, "depth", 0):
        _shield.pending = signum  # raised once the clean-up under way has finished
        return
    raise Terminated(signum)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """A clean-up that SIGTERM must not interrupt halfway: the signal waits for its end."""
    _shield.depth = getattr(_shield, "depth", 0) + 1
    try:
        yield
    finally:
        _shield.depth -= 1
        pending = getattr(_shield, "pending", None)
        if not _shield.depth and pending is not None:
            _shield.pending = None
            raise Terminated(pending)


@contextlib.contextmanager
def clean_exit_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; its owner decides
        return
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """One alert's run without the cyclic garbage collector.

    The process runs one alert and exits. What the run builds (replies, notes, records)
    is freed by reference counting; the collector's passes over every long-lived object
    the imports made (botocore's models, the plugins' classes) cost a chgm run about a
    tenth of its CPU (bench/cpu_per_run.py). Switched on again afterwards for callers
    that stay alive (tests, anything that embeds ``main``)."""
    import gc

    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
