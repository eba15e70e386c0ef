"""Locks that make CAD runs for one incident or one cluster take turns.

PagerDuty redelivers webhooks and two PipelineRuns can start for one incident. Each
executor checks whether its write is already in place before writing, but that check and
the write are only atomic if no other run can slip in between. So the runner holds a
lock per key (``incident:<id>``, ``cluster:<id>``) around every plan it executes.

Keys are taken in sorted order, so two runs that need the same keys never wait on each
other in a circle, and the whole wait is bounded by ``CAD_LOCK_WAIT_SECONDS``.
``CAD_LOCK_PROVIDER`` chooses who keeps the locks: ``file`` (built in, one machine),
``lease`` (cad-lease, Kubernetes Leases, many hosts) or any plugin's provider.

A lock that can run out while held (a Lease whose holder stalled) carries a *fence*: the
release callable's ``fence`` attribute, a function that raises :class:`LockLost` once
the lock can no longer be shown to be held. ``RunLocks.hold`` yields a :class:`Fence`
over every held lock, and the engine calls it before every write, so a run that lost
its lock stops before its next write instead of writing beside the run that took over.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from cad_core.errors import BadInputError, CadError, one_line
from cad_core.settings import number, setting

if TYPE_CHECKING:
    from cad_core.plugins.registrations import LockProvider
    from cad_core.plugins.registry import Registry

log = logging.getLogger("cad.locks")

PROVIDER_SETTING = "CAD_LOCK_PROVIDER"
WAIT_SETTING = "CAD_LOCK_WAIT_SECONDS"
DIR_SETTING = "CAD_LOCK_DIR"
DEFAULT_PROVIDER = "file"
DEFAULT_WAIT_SECONDS = 60.0
FILE_POLL_SECONDS = 0.05

_UNSAFE = re.compile(r"[^a-z0-9]+")


class LockError(CadError):
    """A lock could not be taken for a reason other than another holder (provider trouble)."""


class LockUnavailable(LockError):
    """Another CAD run kept the lock for longer than this run may wait."""

    def __init__(self, key: str, waited: float, detail: str = "") -> None:
        self.key = key
        self.waited = waited
        what = _describe_key(key)
        extra = f"; {detail}" if detail else ""
        self.detail = detail
        super().__init__(
            f"another CAD run holds {what} and did not finish within {waited:.3g} s "
            f"(lock {key}){extra}"
        )


class LockLost(LockError):
    """This run's lock ran out or was taken over: it must not write any more."""

    def __init__(self, key: str, why: str) -> None:
        self.key = key
        super().__init__(
            f"this run no longer holds {_describe_key(key)} ({why}); another CAD run may "
            f"be writing for it, so this write was not made (lock {key})"
        )


class Fence:
    """The fences of the locks held for one plan: ``check()`` raises LockLost if one is gone."""

    def __init__(self) -> None:
        self._fences: list[Callable[[], None]] = []

    def add(self, release: Callable[[], None]) -> None:
        fence = getattr(release, "fence", None)
        if callable(fence):
            self._fences.append(fence)

    def __bool__(self) -> bool:
        return bool(self._fences)

    def check(self) -> None:
        for fence in self._fences:
            fence()


# The fence of the plan whose action this thread is executing (set by the engine around
# ``execute``), so an executor's HTTP layer can check it right before bytes leave.
_write_fence: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "cad_write_fence", default=None
)


def fence_write() -> None:
    """For executors: call right before sending each write request.

    Raises :class:`LockLost` when this run can no longer show it holds its locks (the
    engine then reports the action ``not_run``). The engine checks before ``execute``
    too; checking again at the wire shrinks the window a stalled process can slip through
    to the request's own preparation and send. Outside a fenced plan it does nothing."""
    fence = _write_fence.get()
    if fence is not None:
        fence()


@contextlib.contextmanager
def writes_fenced(fence: Callable[[], None] | None) -> Iterator[None]:
    """Within the block, :func:`fence_write` checks ``fence`` (the engine's business)."""
    token = _write_fence.set(fence)
    try:
        yield
    finally:
        _write_fence.reset(token)


def _describe_key(key: str) -> str:
    kind, _, ident = key.partition(":")
    return f"this {kind} ({ident})" if ident else f"the lock {key}"


def lock_keys(incident_id: str | None, cluster_id: str | None) -> tuple[str, ...]:
    """The keys a run writing for this incident and cluster must hold, in sorted order."""
    keys = set()
    if incident_id:
        keys.add(f"incident:{incident_id}")
    if cluster_id:
        keys.add(f"cluster:{cluster_id}")
    return tuple(sorted(keys))


def lock_name(key: str) -> str:
    """A name safe for a file and a Kubernetes object (DNS-1123 label, at most 63 chars).

    Lower-casing and replacing characters could make two keys look alike, so a short hash
    of the exact key keeps names apart.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    readable = _UNSAFE.sub("-", key.lower()).strip("-")[:47].strip("-")
    return f"cad-{readable}-{digest}"


@attrs.frozen
class RunLocks:
    """The chosen provider and the bound on waiting; ``hold(keys)`` takes them all."""

    provider: LockProvider
    wait: float = DEFAULT_WAIT_SECONDS

    @classmethod
    def from_env(cls, registry: Registry, *, check: bool = True) -> RunLocks:
        """Select ``CAD_LOCK_PROVIDER``; an unknown name or bad setting is a BadInputError."""
        name = setting(PROVIDER_SETTING).lower() or DEFAULT_PROVIDER
        wait = number(WAIT_SETTING)
        providers = registry.lock_providers()
        if name not in providers:
            known = ", ".join(sorted(providers)) or "none installed"
            raise BadInputError(
                f"{PROVIDER_SETTING}={name!r} names no installed lock provider "
                f"(installed: {known}); the Kubernetes one is 'lease' from cad-lease"
            )
        provider = providers[name]
        if check and provider.check is not None:
            provider.check()
        return cls(provider, wait)

    @contextlib.contextmanager
    def hold(self, keys: Iterable[str]) -> Iterator[Fence]:
        """Hold every key for the duration of the block; LockError if one cannot be had.

        Yields the fence the block must check before each write (empty for locks that
        cannot run out while held, such as ``flock``)."""
        deadline = time.monotonic() + self.wait
        fence = Fence()
        with contextlib.ExitStack() as held:
            for key in sorted(set(keys)):
                remaining = max(0.0, deadline - time.monotonic())
                try:
                    release = self.provider.acquire(key, remaining)
                except LockUnavailable as error:  # say how long this run waited in all
                    raise LockUnavailable(key, self.wait, error.detail) from None
                held.callback(_quiet_release, key, release)
                fence.add(release)
                log.debug("holding lock %s (%s)", key, self.provider.name)
            yield fence


def _quiet_release(key: str, release: Callable[[], None]) -> None:
    # The plan's writes are done by now; a lock that fails to let go must not turn a
    # finished plan into a failed one. A file lock ends with the process, a lease expires.
    try:
        release()
    except Exception as error:
        log.warning("releasing lock %s failed: %s", key, one_line(error))


# --- the built-in providers ----------------------------------------------------------------


def lock_dir() -> Path:
    """``CAD_LOCK_DIR``, or a folder of this user's in the temp dir (created, mode 0700)."""
    given = setting(DIR_SETTING)
    folder = Path(given) if given else Path(tempfile.gettempdir()) / f"cad-locks-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise LockError(f"cannot create the lock folder {folder}: {error.strerror}") from None
    if not given and folder.lstat().st_uid != os.getuid():
        # Someone else made our default folder first: their files could block or fool us.
        raise LockError(f"the lock folder {folder} belongs to another user; set {DIR_SETTING}")
    return folder


def check_file_locks() -> None:
    try:
        folder = lock_dir()
    except LockError as error:
        raise BadInputError(str(error)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInputError(f"{DIR_SETTING}: cannot write lock files in {folder}")


def acquire_file_lock(key: str, timeout: float) -> Callable[[], None]:
    """An exclusive ``flock`` on a file named after the key; the OS frees it if we die."""
    from filelock import FileLock, Timeout

    lock = FileLock(lock_dir() / f"{lock_name(key)}.lock", mode=0o600)
    try:
        lock.acquire(timeout=timeout, poll_interval=FILE_POLL_SECONDS)
    except Timeout:
        raise LockUnavailable(key, timeout) from None
    except OSError as error:
        raise LockError(f"cannot lock {lock.lock_file}: {error.strerror or error}") from None
    return lock.release


def acquire_nothing(key: str, timeout: float) -> Callable[[], None]:
    return lambda: None
