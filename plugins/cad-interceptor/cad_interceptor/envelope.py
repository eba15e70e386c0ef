"""Reading Tekton's InterceptorRequest without letting an unsigned request cost much.

The webhook signature covers only the inner ``body`` string, so the envelope must be
read before anything can be verified. It is read cheaply and boundedly: everything
outside JSON strings (the "skeleton": brackets, numbers, commas) must be small, so no
request can make the parser build millions of objects. A 5 MiB body of ``[{},{},...]``
is refused after one regular-expression pass, without building any of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cad_core.run.payload import shape_problem

from cad_interceptor.http import HttpError

MAX_BODY = 5 * 1024 * 1024
MAX_SKELETON = 64 * 1024  # a real envelope's skeleton is well under 1 KiB
MAX_STRINGS = 4096  # header names and values, extensions, context: a few dozen
MAX_HEADERS = 200


def _bad(detail: str) -> HttpError:
    return HttpError("400 Bad Request", "invalid interceptor request", detail)


def check_skeleton(raw: bytes) -> None:
    """Refuse envelopes whose non-string part is large or whose strings are too many."""
    problem = shape_problem(raw, MAX_SKELETON, MAX_STRINGS)
    if problem:
        raise _bad(problem)


def unwrap(raw: bytes) -> tuple[bytes, dict[str, list[str]]]:
    """The webhook body bytes and the headers (lower-case names), from the envelope."""
    check_skeleton(raw)
    try:
        outer = json.loads(raw)
    except ValueError as error:  # bad JSON, bad UTF-8, or an integer too long to convert
        raise _bad(str(error)) from None
    except RecursionError:
        raise _bad("nested too deeply") from None
    if not isinstance(outer, dict) or not isinstance(outer.get("body"), str):
        raise _bad("expected a JSON object with a string 'body' and a 'header' map")
    headers = outer.get("header", {})
    if not isinstance(headers, dict):
        raise _bad("'header' must be a map")
    if len(headers) > MAX_HEADERS:
        raise _bad(f"more than {MAX_HEADERS} headers")
    text: str = outer.pop("body")
    del outer  # the envelope's copy is no longer needed; keep the peak low
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800": no sender signed that
        raise _bad("'body' is not valid Unicode text") from None
    return body, normalise_headers(headers)


def normalise_headers(headers: Mapping[str, object]) -> dict[str, list[str]]:
    """Lower-case names; each value a list of strings, as Tekton sends them."""
    out: dict[str, list[str]] = {}
    for key, value in headers.items():
        values = value if isinstance(value, list) else [value]
        out.setdefault(str(key).lower(), []).extend(str(v) for v in values)
    return out
