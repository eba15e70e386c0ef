"""Claims: "has this key been seen within the last N seconds?", kept where a restart keeps it.

The interceptor's replay window (see interceptor/deliveries.py) lives in memory, which a
restart or a rollout forgets. A lock provider may offer a :class:`ClaimStore` through its
optional ``claims`` factory; then every delivery key is also claimed there, for the window:

* ``file`` (built in): one small file per key under ``$CAD_STATE_DIR/replay-claims`` (the
  file's modification time is its expiry), written under one ``flock``. It survives a
  restart of the process, and of the pod when ``CAD_STATE_DIR`` is on a volume.
* ``lease`` (cad-lease): one Kubernetes Lease per key, its duration the window. It survives
  rollouts and is shared by every replica.

Without ``CAD_STATE_DIR`` the file provider has nowhere to keep claims: the window is in
memory only, and the interceptor says so when it starts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cad_core.errors import BadInputError

STATE_DIR_SETTING = "CAD_STATE_DIR"
PURGE_EVERY_SECONDS = 60.0


class ClaimStore(Protocol):
    """Durable claims on keys for a while; a provider's ``claims()`` returns one (or None).

    ``claim(key, seconds)`` is True when no live claim on ``key`` existed and this call made
    one; False when one did (its time then starts again: windows slide). ``release(key)``
    drops a claim (the work it guarded failed and will be retried). ``where`` says where the
    claims live, for the start-up log. Errors propagate: the caller answers 503.
    """

    where: str

    def claim(self, key: str, seconds: float) -> bool: ...

    def release(self, key: str) -> None: ...


class FileClaims:
    """Claims as files in one folder; one ``flock`` makes read-decide-write atomic."""

    def __init__(self, root: Path, clock: Callable[[], float] = time.time) -> None:
        from filelock import FileLock

        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise BadInputError(
                f"{STATE_DIR_SETTING}: cannot create {root}: {error.strerror}"
            ) from None
        if not os.access(root, os.W_OK | os.X_OK):
            raise BadInputError(f"{STATE_DIR_SETTING}: cannot write in {root}")
        self.root, self.clock = root, clock
        self.where = f"files under {root}"
        self._lock = FileLock(root / ".lock", mode=0o600)
        self._purged = 0.0

    def _path(self, key: str) -> Path:
        return self.root / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.claim"

    def claim(self, key: str, seconds: float) -> bool:
        path, now = self._path(key), self.clock()
        with self._lock:
            try:
                live = path.stat().st_mtime > now
            except FileNotFoundError:
                live = False
            self._write(path, key, now + seconds)
            if now - self._purged > PURGE_EVERY_SECONDS:
                self._purge(now)
        return not live

    def release(self, key: str) -> None:
        with self._lock:
            self._path(key).unlink(missing_ok=True)

    def _write(self, path: Path, key: str, expires: float) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".claim-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")  # for a person looking; the expiry is the mtime
            os.utime(temporary, (expires, expires))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _purge(self, now: float) -> None:
        self._purged = now
        for path in self.root.glob("*.claim"):
            try:
                if path.stat().st_mtime <= now:
                    path.unlink()
            except FileNotFoundError:
                continue


def file_claims() -> FileClaims | None:
    """The built-in file provider's claims: under ``CAD_STATE_DIR``, or None when unset."""
    from cad_core.settings import setting

    folder = setting(STATE_DIR_SETTING)
    return FileClaims(Path(folder) / "replay-claims") if folder else None
