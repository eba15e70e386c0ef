"""A cache of what ``cad --help`` lists for plugin commands: name and help texts.

Listing a plugin command otherwise means building the plugin registry: importing every
plugin module, and through them attrs and every registration class, which is most of
what ``cad --help`` costs beyond click. The listing is written whenever ``cad --help``
builds the registry, and used while nothing it came from has changed:

* the entry-point cache's fingerprint (the ``sys.path`` folders: installs and removals),
* ``CAD_DISABLE_PLUGINS``,
* the modification time of every file of every plugin package that was loaded.

Running a command never uses it: ``cad sandbox ...`` builds the registry as always.
``CAD_NO_ENTRY_POINT_CACHE=1`` turns this cache off too.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from cad_core.plugins.epcache import _cache_file, _fingerprint

FIELDS = ("help", "short_help", "hidden", "deprecated")


def _file() -> str:
    return _cache_file("cad").replace("-entry-points-", "-help-listing-")


def _key() -> dict[str, str]:
    return {"fingerprint": _fingerprint(), "disabled": os.environ.get("CAD_DISABLE_PLUGINS", "")}


def _unchanged(files: Mapping[str, int]) -> bool:
    try:
        return all(os.stat(path).st_mtime_ns == mtime for path, mtime in files.items())
    except OSError:
        return False


def read() -> dict[str, dict[str, Any]] | None:
    """The cached listing ``{name: {help, short_help, hidden, deprecated}}``, or None."""
    if os.environ.get("CAD_NO_ENTRY_POINT_CACHE"):
        return None
    try:
        with open(_file(), encoding="utf-8") as handle:
            data: Any = json.load(handle)
        if data["key"] != _key() or not _unchanged(data["files"]):
            return None
        return {str(name): dict(fields) for name, fields in data["commands"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def plugin_files(modules: Iterable[str]) -> dict[str, int]:
    """Modification times of the loaded files of the packages of these plugin modules,
    and of each plugin module that failed to load (fixing it must show its commands)."""
    modules = [name.partition(":")[0].strip() for name in modules]
    packages = {name.partition(".")[0] for name in modules}
    paths = [
        getattr(module, "__file__", None)
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] in packages
    ]
    paths += [_origin(name) for name in modules if name not in sys.modules]
    files = {}
    for path in filter(None, paths):
        try:
            files[path] = os.stat(path).st_mtime_ns
        except OSError:
            continue
    return files


def _origin(module: str) -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except Exception:  # its package fails to import: record the package's own file
        try:
            spec = importlib.util.find_spec(module.partition(".")[0])
        except Exception:
            return None
    return spec.origin if spec else None


def write(commands: Mapping[str, Mapping[str, Any]], files: Mapping[str, int]) -> None:
    if os.environ.get("CAD_NO_ENTRY_POINT_CACHE"):
        return
    import tempfile

    file = _file()
    data = {"key": _key(), "files": dict(files), "commands": dict(commands)}
    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(file), delete=False) as out:
            json.dump(data, out)
        os.replace(out.name, file)  # atomic: a concurrent `cad --help` never reads half
    except OSError:
        pass  # a read-only home (a container) just means no cache
