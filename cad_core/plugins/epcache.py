"""A cache of the ``cad`` entry points, so start-up need not scan every installed package.

Scanning all distributions' metadata costs ~20 ms on a typical environment, a large part
of `cad --help`. The cache holds a fingerprint of the modification times of every
``sys.path`` directory: installing or removing a package rewrites its site directory,
which invalidates it. An unwritable cache folder just means no cache;
``CAD_NO_ENTRY_POINT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterator
from typing import Any, NamedTuple


class CachedEntryPoint(NamedTuple):
    name: str
    value: str  # "module" or "module:attribute"
    dist_path: str | None  # the *.dist-info folder, for lazily reading name and version


def _fingerprint() -> str:
    parts: list[str] = [sys.version, sys.executable]
    for entry in sys.path:
        if not entry:
            continue  # the working directory changes all the time and holds no installs
        try:
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return "\n".join(parts)


def _cache_file(group: str) -> str:
    # One file per interpreter (several venvs may share a home folder).
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    interpreter = zlib.crc32(f"{sys.version}{sys.executable}".encode())
    return os.path.join(root, "cad", f"{group}-entry-points-{interpreter:08x}.json")


def _scan(group: str) -> list[CachedEntryPoint]:
    from importlib import metadata

    found = []
    for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
        path = getattr(ep.dist, "_path", None)
        found.append(CachedEntryPoint(ep.name, ep.value, str(path) if path else None))
    return found


def _read(file: str, fingerprint: str) -> list[CachedEntryPoint] | None:
    try:
        with open(file, encoding="utf-8") as handle:
            data: Any = json.load(handle)
        if data.get("fingerprint") != fingerprint:
            return None
        return [CachedEntryPoint(*item) for item in data["entry_points"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _write(file: str, fingerprint: str, entries: list[CachedEntryPoint]) -> None:
    import tempfile  # only on a cache miss

    folder = os.path.dirname(file)
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False) as handle:
            json.dump(
                {"fingerprint": fingerprint, "entry_points": [list(e) for e in entries]}, handle
            )
        os.replace(handle.name, file)  # atomic: concurrent runs never read half a file
    except OSError:
        pass  # a read-only home (a container) just means no cache


def cached_entry_points(group: str) -> Iterator[CachedEntryPoint]:
    if os.environ.get("CAD_NO_ENTRY_POINT_CACHE"):
        yield from _scan(group)
        return
    file, fingerprint = _cache_file(group), _fingerprint()
    cached = _read(file, fingerprint)
    if cached is None:
        cached = _scan(group)
        _write(file, fingerprint, cached)
    yield from cached


def load(entry: CachedEntryPoint) -> object:
    """Import what the entry point names, as importlib.metadata.EntryPoint.load would."""
    import importlib

    module_name, _, attribute = entry.value.partition(":")
    target: object = importlib.import_module(module_name.strip())
    for part in filter(None, attribute.strip().split(".")):
        target = getattr(target, part)
    return target
