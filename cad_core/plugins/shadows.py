"""Registrations kept in the start-up cache, so a run imports only the plugins it uses.

A *shadow* is a registration object as JSON: its data fields as they are (names, aliases,
action types, resource needs, setting descriptions...), and each callable as a marker.
Rebuilt from the cache, a registration is the real class with the real data and, in place
of each callable, a :class:`Deferred` that imports the plugin and calls the real one on
first use. So routing, conflicts, settings checks and the rest of the core see what they
always saw, and a plugin whose investigation, executor or resource a run never calls is
never imported. Setting checks made by :mod:`cad_core.plugins.checks` are data too.

When a plugin is imported after all, its real registration must equal its shadow; if not,
the cache was stale in a way its stamps missed (a hook whose answer depends on something
else), so the cache file is dropped and the call fails rather than act on a wrong picture.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import attrs

import cad_core.plugins.checks as checks
import cad_core.plugins.registrations as registrations
from cad_core.errors import PermanentError

# A field value that is none of these makes the plugin's hook "real": gathered by calling
# the plugin, never from the cache.
_PLAIN = (str, bool, int, float, type(None))


class Unrepresentable(Exception):
    """A registration the cache cannot hold as data (the hook is called for real)."""


class PluginChanged(PermanentError):
    """A plugin registers something other than its cached entry says."""


def encode(item: object) -> dict[str, Any]:
    """The shadow of a registration object; Unrepresentable when it has no JSON form."""
    cls = type(item)
    if getattr(registrations, cls.__name__, None) is not cls or not attrs.has(cls):
        raise Unrepresentable(cls.__name__)
    fields = {field.name: _value(getattr(item, field.name)) for field in attrs.fields(cls)}
    return {"class": cls.__name__, "fields": fields}


def _value(value: object) -> Any:
    if isinstance(value, (*_PLAIN, tuple)):
        return _data(value)
    if attrs.has(type(value)):
        return {"attrs": encode(value)}
    if isinstance(value, functools.partial) and _is_check(value.func) and not value.keywords:
        return {"check": value.func.__name__, "args": _data(value.args)}
    if callable(value):
        return {"deferred": True}
    raise Unrepresentable(type(value).__name__)


def _data(value: object) -> Any:
    """Plain values and tuples of them (nested), as JSON."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, tuple):
        return {"tuple": [_data(v) for v in value]}
    raise Unrepresentable(type(value).__name__)


def _undata(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict) and isinstance(value.get("tuple"), list):
        return tuple(_undata(v) for v in value["tuple"])
    raise TypeError(f"not plain data: {type(value).__name__}")


def _is_check(func: object) -> bool:
    name = getattr(func, "__name__", "")
    ours = getattr(func, "__module__", "") == checks.__name__
    return ours and getattr(checks, name, None) is func


def decode(shadow: dict[str, Any], load: Callable[[str], Any]) -> Any:
    """A registration object from its shadow; ``load(field)`` gives the real callable of a
    deferred field. Anything malformed raises (the caller then scans the plugin again)."""
    cls = getattr(registrations, shadow["class"])
    if not attrs.has(cls):
        raise TypeError(f"{shadow['class']} is not a registration class")
    given = shadow["fields"]
    names = {field.name for field in attrs.fields(cls)}
    if set(given) != names:
        raise TypeError(f"{cls.__name__}: the cached fields are not the class's fields")
    kwargs = {name: _decoded(name, value, load) for name, value in given.items()}
    return cls(**kwargs)


def _decoded(name: str, value: Any, load: Callable[[str], Any]) -> Any:
    if not isinstance(value, dict) or "tuple" in value:
        return _undata(value)
    if "attrs" in value:
        return decode(value["attrs"], load)
    if "check" in value:
        func = getattr(checks, value["check"])
        if not _is_check(func):
            raise TypeError(f"field {name}: {value['check']} is not a check")
        return functools.partial(func, *_undata(value["args"]))
    if value.get("deferred") is True:
        return Deferred(name, load)
    raise TypeError(f"field {name}: unknown shadow {sorted(value)}")


class Deferred:
    """A registration's callable, imported on its first call."""

    __slots__ = ("_field", "_load", "_lock", "_real")

    def __init__(self, field: str, load: Callable[[str], Any]) -> None:
        self._field = field
        self._load = load
        self._real: Callable[..., Any] | None = None
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def resolve(self) -> Callable[..., Any]:
        """The real callable (importing its plugin on the first call)."""
        if self._real is None:
            with self._lock:
                if self._real is None:
                    self._real = self._load(self._field)
        return self._real

    def __eq__(self, other: object) -> bool:
        # Two shadows of one registration are equal (as the real callables would be).
        return isinstance(other, Deferred) and (self._field, self._load) == (
            other._field,
            other._load,
        )

    def __hash__(self) -> int:
        return hash((self._field, self._load))

    def __repr__(self) -> str:
        return f"<deferred {self._field} of {self._load!r}>"


def real(value: Any) -> Any:
    """``value`` itself, or the real object behind a :class:`Deferred` (a click command)."""
    return value.resolve() if isinstance(value, Deferred) else value
