"""One bounded reader for every file CAD is given: payloads, routing configs, scenarios.

The size a file claims is never trusted: ``/dev/zero`` claims 0 bytes and never ends, a
FIFO claims 0 and may never deliver. At most ``limit + 1`` bytes are read, and a read
that waits longer than ``timeout`` seconds gives up, so no input can exhaust memory or
hang the command.
"""

from __future__ import annotations

import os
import select
import time

from cad_core.errors import BadInputError

MAX_INPUT = 5 * 1024 * 1024
_CHUNK = 64 * 1024


def read_bounded(
    path: str | os.PathLike[str],
    what: str,
    limit: int = MAX_INPUT,
    timeout: float | None = None,
) -> bytes:
    """The file's bytes; too large, too slow or unreadable is one BadInputError."""
    if timeout is None:
        from cad_core.settings import number

        timeout = number("CAD_INPUT_TIMEOUT_SECONDS")
    try:
        # O_NONBLOCK: opening a FIFO nobody writes to must not block; reads wait in select.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise BadInputError(f"cannot read {what} {path}: {error.strerror or error}") from None
    try:
        return _read_fd(fd, path, what, limit, time.monotonic() + timeout)
    finally:
        os.close(fd)


def _read_fd(fd: int, path: object, what: str, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
        except BlockingIOError:  # a pipe with a writer that has not written yet
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(remaining, 0))
            if not ready:
                raise BadInputError(
                    f"{what} {path}: nothing more arrived within the time limit "
                    "(CAD_INPUT_TIMEOUT_SECONDS)"
                ) from None
            continue
        except OSError as error:
            raise BadInputError(f"cannot read {what} {path}: {error.strerror or error}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise BadInputError(f"{what} {path} is larger than {limit} bytes")


def read_bounded_text(path: str | os.PathLike[str], what: str, limit: int = MAX_INPUT) -> str:
    data = read_bounded(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInputError(f"{what} {path} is not UTF-8 text") from None
