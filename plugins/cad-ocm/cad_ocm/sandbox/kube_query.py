"""Label selectors, field selectors and ``limit``/``continue`` paging, as the apiserver does.

Errors are raised as :class:`HttpProblem` 400s carrying the apiserver's own wording, so a
client sees what a real cluster would tell it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from cad_core.plugins.simwire import HttpProblem

Predicate = Callable[[dict[str, Any]], bool]

# Field selectors the apiserver supports beyond metadata.name / metadata.namespace, per
# kind (the ones CAD's investigations use, and their neighbours).
FIELD_PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    "Secret": {"type": ("type",)},
    "Pod": {
        "spec.nodeName": ("spec", "nodeName"),
        "status.phase": ("status", "phase"),
        "spec.restartPolicy": ("spec", "restartPolicy"),
    },
    "Node": {"spec.unschedulable": ("spec", "unschedulable")},
    "Event": {
        "involvedObject.name": ("involvedObject", "name"),
        "involvedObject.kind": ("involvedObject", "kind"),
        "reason": ("reason",),
    },
}
_SET_TERM = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_TERMS = re.compile(r"(?:[^,(]|\([^)]*\))+")


def label_predicate(selector: str | None) -> Predicate:
    """``a=b,c!=d,e,!f,g in (x,y),h notin (z)``; an empty selector matches everything."""
    tests = [_label_term(term.strip()) for term in _TERMS.findall(selector or "") if term.strip()]
    return lambda obj: all(test(_labels(obj)) for test in tests)


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("labels") or {}


def _label_term(term: str) -> Callable[[dict[str, str]], bool]:
    found = _SET_TERM.match(term)
    if found:
        key, operator, raw = found.groups()
        values = {v.strip() for v in raw.split(",") if v.strip()}
        if operator == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if term.startswith("!"):
        key = term[1:].strip()
        _check_label_key(key, term)
        return lambda labels: key not in labels
    for operator in ("!=", "==", "="):
        if operator in term:
            key, _, value = (part.strip() for part in term.partition(operator))
            _check_label_key(key, term)
            if operator == "!=":
                return lambda labels: labels.get(key) != value
            return lambda labels: labels.get(key) == value
    _check_label_key(term, term)
    return lambda labels: term in labels


def _check_label_key(key: str, term: str) -> None:
    if not key or any(ch in key for ch in " ()=!"):
        raise HttpProblem(400, f"unable to parse requirement: found '{term}', expected: key")


def field_predicate(selector: str | None, kind: str) -> Predicate:
    """``metadata.name=x,type=kubernetes.io/tls``; unsupported fields are the apiserver's 400."""
    tests = []
    for term in (selector or "").split(","):
        if not term.strip():
            continue
        negate = "!=" in term
        field, _, value = term.replace("!=", "=").replace("==", "=").partition("=")
        path = _field_path(field.strip(), kind)
        tests.append((path, value.strip(), negate))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) != negate for path, value, negate in tests)

    return matches


def _field_path(field: str, kind: str) -> tuple[str, ...]:
    if field in ("metadata.name", "metadata.namespace"):
        return tuple(field.split("."))
    path = FIELD_PATHS.get(kind, {}).get(field)
    if path is None:
        raise HttpProblem(400, f'field label not supported: "{field}"')
    return path


def _field_value(obj: dict[str, Any], path: tuple[str, ...]) -> str:
    current: Any = obj
    for part in path:
        current = current.get(part) if isinstance(current, dict) else None
    if isinstance(current, bool):  # the apiserver compares booleans as "true"/"false"
        return "true" if current else "false"
    return "" if current is None else str(current)


def page(
    items: Sequence[dict[str, Any]], limit: str | None, token: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of ``items`` (sorted by namespace, name) and the list metadata to send."""
    start = _start_after(items, token) if token else 0
    size = _limit(limit)
    chunk = list(items[start : start + size]) if size else list(items[start:])
    metadata: dict[str, Any] = {"resourceVersion": "1"}
    rest = len(items) - start - len(chunk)
    if rest > 0:
        metadata["continue"] = _token(chunk[-1])
        metadata["remainingItemCount"] = rest
    return chunk, metadata


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    if not raw.isdigit():
        raise HttpProblem(400, f'invalid value for "limit": {raw!r} is not a whole number')
    return int(raw)


def _key(obj: dict[str, Any]) -> list[str]:
    return [obj["metadata"].get("namespace", ""), obj["metadata"]["name"]]


def _token(last: dict[str, Any]) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": 1, "after": _key(last)})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _start_after(items: Sequence[dict[str, Any]], token: str) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = decoded["after"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise HttpProblem(400, "continue key is not valid: the token cannot be decoded") from None
    if not (isinstance(after, list) and len(after) == 2):
        raise HttpProblem(400, "continue key is not valid: the token names no position")
    keys = [_key(item) for item in items]
    return sum(1 for key in keys if key <= after)
