"""The one start-up cache: the installed plugins, what each registers, its commands' help.

Each alert is a fresh process, so what start-up learns about the installed plugins is kept
in one file and checked, never believed:

* the file as a whole holds while the interpreter, this format, the modules that rebuild
  its registrations and the modification times of the ``sys.path`` folders are unchanged
  (``pip install`` or ``uninstall`` rewrites its site folder); then the ``cad`` entry
  points (with distribution and version) need no scan of every package's metadata;
* each plugin's entry holds while every file its package had loaded when it was scanned
  (and its ``*.dist-info`` folder) has the same modification time and size: an editable
  plugin that is edited is scanned again, alone.

An entry is what the plugin registered, hook by hook (``shadows`` of the registration
objects, see :mod:`cad_core.plugins.shadows`), whether it failed to load and why, the
modules that define its action types, and its commands' help texts for ``cad --help``.
This module imports neither attrs nor pluggy: ``cad --help`` reads it alone.

The entries are JSON data (dicts, lists, strings, numbers), stored with :mod:`marshal`:
builtin and already loaded in every interpreter, where reading them as JSON meant
importing :mod:`json` on every start (~1.5 ms of a ~50 ms ``cad --help``). The file
starts with a tag and a checksum of what follows; a file that is not exactly what this
format wrote (torn, corrupt, an older JSON cache, another format) is never handed to
marshal, and the start scans again. The file is trusted as far as the ``.pyc`` files
beside it in the same prefix, which the interpreter also reads with marshal: whoever can
write either can already choose what ``cad`` imports.

The file lives in ``CAD_CACHE_DIR``, else ``<sys.prefix>/var/cache/cad`` when that folder
exists or can be made (an image writes it once at build time with ``cad plugins``, and
every alert's process reads it), else ``$XDG_CACHE_HOME/cad``.
A folder that cannot be written means no cache. ``CAD_NO_ENTRY_POINT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import marshal
import os
import sys
from _imp import source_hash
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

FORMAT = 3
GROUP = "cad"
HELP_FIELDS = ("help", "short_help", "hidden", "deprecated")
TAG = b"cad-startcache-3\n"  # the file's first bytes: this format and nothing else
LARGEST = 64 * 2**20  # bytes: a bigger file is not a cache this code wrote


class EntryPoint(NamedTuple):
    name: str
    value: str  # "module" or "module:attribute"
    dist_path: str | None  # the *.dist-info folder
    distribution: str
    version: str

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()


def off() -> bool:
    return bool(os.environ.get("CAD_NO_ENTRY_POINT_CACHE"))


def disabled_names() -> set[str]:
    """``CAD_DISABLE_PLUGINS``, read here without the settings machinery (``--help``)."""
    raw = os.environ.get("CAD_DISABLE_PLUGINS", "")
    return {part.strip().lower().replace("_", "-") for part in raw.split(",") if part.strip()}


def is_disabled(names: Iterable[str], disabled: set[str]) -> bool:
    return bool({name.lower().replace("_", "-") for name in names} & disabled)


def fingerprint() -> str:
    parts: list[str] = [str(FORMAT), sys.version, sys.executable]
    # What turns an entry back into objects: an edit of an editable cad-core counts too.
    here = os.path.dirname(os.path.abspath(__file__))
    ours = [os.path.join(here, name) for name in ("registrations.py", "shadows.py", "checks.py")]
    parts += [f"{path}:{stamp}" for path, stamp in file_stamps(ours).items()]
    # Left out: the working directory (`python -c`) and a script's own folder (`cad` in
    # the venv's bin/): they differ from one command to the next and hold no installs.
    script = sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c") else ""
    own = os.path.dirname(os.path.realpath(script)) if script else ""
    for entry in sys.path:
        if not entry or (own and os.path.realpath(entry) == own):
            continue
        try:
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return "\n".join(parts)


def folder() -> str:
    chosen = os.environ.get("CAD_CACHE_DIR", "").strip()
    if chosen:
        return chosen
    in_prefix = os.path.join(sys.prefix, "var", "cache", "cad")
    # An image's cache, written at build time, is read even where the prefix is read-only.
    if os.path.isdir(in_prefix) or os.access(sys.prefix, os.W_OK):
        return in_prefix
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "cad")


def checksum(data: bytes) -> bytes:
    """8 bytes that change with any change of ``data``: SipHash with a fixed key.

    ``_imp.source_hash`` is the builtin behind ``importlib.util.source_hash`` (hash-based
    ``.pyc`` files): always loaded, where zlib, binascii or hashlib cost an import."""
    return source_hash(FORMAT, data)


def cache_file() -> str:
    # One file per interpreter (several venvs may share a home folder).
    interpreter = checksum(f"{sys.version}{sys.executable}".encode()).hex()
    return os.path.join(folder(), f"plugins-{interpreter}.cache")


def _json_cache_file() -> str:
    """Where format 2 kept its JSON file for this interpreter: removed when rewriting."""
    import zlib  # only when writing

    interpreter = zlib.crc32(f"{sys.version}{sys.executable}".encode())
    return os.path.join(folder(), f"plugins-{interpreter:08x}.json")


def file_stamps(paths: Iterable[str | None]) -> dict[str, list[int]]:
    stamps = {}
    for path in filter(None, paths):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stamps[path] = [stat.st_mtime_ns, stat.st_size]
    return stamps


def _unchanged(stamps: Any) -> bool:
    if not isinstance(stamps, dict) or not stamps:
        return False  # nothing to check it against: never believed
    try:
        for path, (mtime, size) in stamps.items():
            stat = os.stat(path)
            if [stat.st_mtime_ns, stat.st_size] != [mtime, size]:
                return False
    except (OSError, TypeError, ValueError):  # gone, or not a stamp
        return False
    return True


def package_files(module: str, dist_path: str | None) -> dict[str, list[int]]:
    """Stamps of every loaded file of ``module``'s package (or, when it did not load, of
    the file it would load from), and of its distribution's metadata folder."""
    package = module.partition(".")[0]
    paths = [
        getattr(loaded, "__file__", None)
        for name, loaded in list(sys.modules.items())
        if name.partition(".")[0] == package
    ]
    if module not in sys.modules:
        paths.append(_origin(module))
    if dist_path:
        paths += [dist_path, os.path.join(dist_path, "entry_points.txt")]
    return file_stamps(paths)


def _origin(module: str) -> str | None:
    import importlib.util

    for name in (module, module.partition(".")[0]):
        try:
            spec = importlib.util.find_spec(name)
        except Exception:  # its package fails to import: try the package's own file
            continue
        if spec is not None:
            return spec.origin
    return None


def _scan() -> list[EntryPoint]:
    from importlib import metadata

    found = []
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        path = getattr(ep.dist, "_path", None)
        dist = (ep.dist.metadata["Name"] or "", ep.dist.version) if ep.dist else (ep.name, "")
        found.append(EntryPoint(ep.name, ep.value, str(path) if path else None, *dist))
    return found


class StartCache:
    """The cache file's contents for this process: entry points and per-plugin entries."""

    def __init__(self, entry_points: list[EntryPoint], plugins: dict[str, Any], fresh: bool):
        self.entry_points = entry_points
        self.plugins = plugins
        self.changed = fresh  # a fresh scan is worth writing

    @classmethod
    def load(cls) -> StartCache:
        """The cached file when it holds, else a fresh scan of the entry points."""
        if not off():
            data = _read(cache_file())
            if data is not None:
                return cls(data[0], data[1], fresh=False)
        return cls(_scan(), {}, fresh=True)

    def entry(self, ep: EntryPoint) -> dict[str, Any] | None:
        """The plugin's cached entry while nothing it was made from has changed."""
        entry = self.plugins.get(ep.name)
        if not isinstance(entry, dict) or entry.get("value") != ep.value:
            return None
        return entry if _unchanged(entry.get("files")) else None

    def put(self, ep: EntryPoint, entry: dict[str, Any]) -> None:
        self.plugins[ep.name] = {**entry, "value": ep.value}
        self.changed = True

    def drop(self, name: str) -> None:
        if self.plugins.pop(name, None) is not None:
            self.changed = True

    def save(self) -> None:
        if not self.changed or off():
            return
        self.changed = False
        known = {ep.name for ep in self.entry_points}
        data = {
            "format": FORMAT,
            "fingerprint": fingerprint(),
            "entry_points": [list(ep) for ep in self.entry_points],
            "plugins": {k: v for k, v in self.plugins.items() if k in known},
        }
        _write(cache_file(), data)

    def help_listing(self) -> dict[str, dict[str, Any]] | None:
        """What ``cad --help`` lists for plugin commands, when every plugin not disabled
        has an entry that holds; None sends it to build the registry."""
        disabled = disabled_names()
        listing: dict[str, dict[str, Any]] = {}
        for ep in self.entry_points:
            if is_disabled((ep.name, ep.distribution), disabled):
                continue
            entry = self.entry(ep)
            if entry is None:
                return None
            if entry.get("status") == "loaded":
                commands = entry.get("commands") or {}
                if not _help_texts(commands):
                    return None  # not what a scan writes: the registry says it afresh
                listing.update(commands)
        return listing


def _help_texts(commands: Any) -> bool:
    """Whether ``commands`` is what a scan writes: names to click's help fields."""
    if not isinstance(commands, dict):
        return False
    for name, fields in commands.items():
        if not isinstance(name, str) or not isinstance(fields, dict):
            return False
        if not set(fields) <= set(HELP_FIELDS):
            return False
        texts = [fields.get("help"), fields.get("short_help")]
        if not all(isinstance(text, str | None) for text in texts):
            return False
        if not isinstance(fields.get("hidden", False), bool):
            return False
        if not isinstance(fields.get("deprecated", False), bool | str):
            return False
    return True


def _read(file: str) -> tuple[list[EntryPoint], dict[str, Any]] | None:
    try:
        data: Any = _decode(_contents(file))
        if data.get("format") != FORMAT or data.get("fingerprint") != fingerprint():
            return None
        entry_points = [_entry_point(item) for item in data["entry_points"]]
        plugins = data["plugins"]
        if not isinstance(plugins, dict) or any(not ep.name for ep in entry_points):
            return None
        return entry_points, plugins
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        return None  # unreadable or corrupt: scanned again, never believed


def _contents(file: str) -> bytes:
    with open(file, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > LARGEST:
            raise ValueError("too large for a start-up cache")
        return handle.read()


def _encode(data: dict[str, Any]) -> bytes:
    """The file's bytes: the tag, the checksum, then ``data`` as JSON data, marshalled."""
    import json  # only when writing

    # Through JSON and back: exactly the data a JSON file held (tuples become lists, keys
    # strings), and a value JSON cannot hold fails here as it always did.
    payload = marshal.dumps(json.loads(json.dumps(data)))
    return TAG + checksum(payload) + payload


def _decode(raw: bytes) -> Any:
    """What :func:`_encode` was given; ValueError for anything it did not write."""
    head = len(TAG) + 8
    payload = raw[head:]
    if raw[: len(TAG)] != TAG or raw[len(TAG) : head] != checksum(payload):
        raise ValueError("not a start-up cache of this format")
    return marshal.loads(payload)  # only bytes this format wrote, checked above


def _entry_point(item: Any) -> EntryPoint:
    name, value, dist_path, distribution, version = item
    texts = (name, value, distribution, version)
    if not all(isinstance(t, str) for t in texts) or not isinstance(dist_path, str | None):
        raise TypeError("not an entry point")
    return EntryPoint(name, value, dist_path, distribution, version)


def _write(file: str, data: dict[str, Any]) -> None:
    import tempfile  # only when something changed

    where = os.path.dirname(file)
    contents = _encode(data)
    try:
        os.makedirs(where, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=where, delete=False, suffix=".tmp") as out:
            out.write(contents)
        os.chmod(out.name, 0o644)  # no secret in it; an image's runtime user must read it
        os.replace(out.name, file)  # atomic: a concurrent start never reads half a file
        if os.path.exists(_json_cache_file()):
            os.remove(_json_cache_file())  # format 2's file: never read again
    except OSError:
        pass  # a read-only place (a container) just means no cache


def entry_points() -> Iterator[EntryPoint]:
    """The installed ``cad`` entry points, from the cache when it holds."""
    cache = StartCache.load()
    cache.save()
    yield from cache.entry_points


def load(entry: EntryPoint) -> object:
    """Import what the entry point names, as importlib.metadata.EntryPoint.load would."""
    import importlib

    module_name, _, attribute = entry.value.partition(":")
    target: object = importlib.import_module(module_name.strip())
    for part in filter(None, attribute.strip().split(".")):
        target = getattr(target, part)
    return target
