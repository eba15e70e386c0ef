"""``when`` filter trees: validation at load time, evaluation against a lazy context.

A node is exactly one of ``and: [...]``, ``or: [...]`` or a leaf
``{field, operator, values}``; ``{operator: sample, values: ["0.25"]}`` samples.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

# Fields about the alert itself; every other field (the cluster's state, provider,
# organisation...) is registered by a plugin through ``cad_filter_fields``.
ALERT_FIELDS = ("AlertName", "AlertTitle", "ServiceName")
OPERATORS = ("in", "notin", "matches", "notmatches", "sample")


class FilterError(ValueError):
    """A filter tree is malformed; ``path`` says where in the tree."""


def validate(node: Any, path: str = "when", fields: Collection[str] | None = None) -> list[str]:
    """Every problem in the tree, each prefixed with its path; empty when valid.

    ``fields`` are the names a leaf may test; ``None`` checks the structure only.
    """
    if not isinstance(node, Mapping):
        return [f"{path}: must be a mapping with 'and', 'or' or 'operator'"]
    branches = [k for k in ("and", "or") if k in node]
    if len(branches) == 2:
        return [f"{path}: has both 'and' and 'or'; nest one inside the other"]
    if branches and "operator" in node:
        return [f"{path}: mixes '{branches[0]}' with 'operator'; use one per node"]
    if branches:
        return _validate_branch(node, branches[0], path, fields)
    if "operator" in node:
        return _validate_leaf(node, path, fields)
    return [f"{path}: needs 'and', 'or' or 'operator'"]


def _validate_branch(
    node: Mapping[str, Any], key: str, path: str, fields: Collection[str] | None
) -> list[str]:
    extra = set(node) - {key}
    problems = [f"{path}: unexpected key(s) {', '.join(sorted(map(str, extra)))}"] if extra else []
    children = node[key]
    if not isinstance(children, list) or not children:
        return problems + [f"{path}.{key}: must be a non-empty list of filters"]
    for index, child in enumerate(children):
        problems += validate(child, f"{path}.{key}[{index}]", fields)
    return problems


def _validate_leaf(node: Mapping[str, Any], path: str, fields: Collection[str] | None) -> list[str]:
    operator, values = node.get("operator"), node.get("values")
    extra = set(node) - {"field", "operator", "values"}
    problems = [f"{path}: unexpected key(s) {', '.join(sorted(map(str, extra)))}"] if extra else []
    if operator not in OPERATORS:
        known = ", ".join(OPERATORS)
        return problems + [f"{path}: unknown operator {operator!r}; use one of {known}"]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        problems.append(f"{path}.values: must be a non-empty list of strings (quote numbers)")
        return problems
    if operator == "sample":
        return problems + _validate_sample(node, values, path)
    field = node.get("field")
    if not isinstance(field, str) or (fields is not None and field not in fields):
        known = ", ".join(sorted(fields)) if fields is not None else "a field name"
        problems.append(f"{path}.field: {field!r} is not a field; use one of {known}")
    if operator in ("matches", "notmatches"):
        for value in values:
            try:
                re.compile(value)
            except re.error as error:
                problems.append(f"{path}.values: {value!r} is not a valid regex: {error}")
    return problems


def _validate_sample(node: Mapping[str, Any], values: list[str], path: str) -> list[str]:
    if "field" in node:
        return [f"{path}: 'sample' takes no field"]
    if len(values) != 1:
        return [f"{path}.values: 'sample' takes exactly one rate"]
    try:
        rate = float(values[0])
    except ValueError:
        return [f"{path}.values: sample rate {values[0]!r} is not a number"]
    if not 0.0 <= rate <= 1.0:
        return [f"{path}.values: sample rate {rate} must be between 0 and 1"]
    return []


def keys(node: Mapping[str, Any] | None) -> Iterator[str]:
    """Field names referenced by the tree, depth first (sample leaves name none)."""
    if not node:
        return
    for key in ("and", "or"):
        for child in node.get(key, ()):
            yield from keys(child)
    if "field" in node:
        yield str(node["field"])


def evaluate(
    node: Mapping[str, Any] | None,
    lookup: Callable[[str], str],
    rng: Callable[[], float] = random.random,
) -> tuple[bool, str]:
    """(passes, why). ``lookup(field)`` is called only for the fields actually reached."""
    if node is None:
        return True, "no filter"
    if "and" in node:
        for child in node["and"]:
            ok, why = evaluate(child, lookup, rng)
            if not ok:
                return False, why
        return True, "all of the 'and' filters passed"
    if "or" in node:
        reasons = []
        for child in node["or"]:
            ok, why = evaluate(child, lookup, rng)
            if ok:
                return True, why
            reasons.append(why)
        return False, "none of the 'or' filters passed (" + "; ".join(reasons) + ")"
    return _leaf(node, lookup, rng)


def _leaf(
    node: Mapping[str, Any], lookup: Callable[[str], str], rng: Callable[[], float]
) -> tuple[bool, str]:
    operator, values = node["operator"], list(node["values"])
    if operator == "sample":
        rate, roll = float(values[0]), rng()
        return roll < rate, f"sample {rate}: rolled {roll:.3f}"
    field = node["field"]
    actual = lookup(field)
    if operator in ("in", "notin"):
        hit = actual in values
        ok = hit if operator == "in" else not hit
    elif operator in ("matches", "notmatches"):
        hit = any(re.search(v, actual) for v in values)
        ok = hit if operator == "matches" else not hit
    else:
        raise FilterError(f"unsupported operator {operator!r}")
    verdict = "passed" if ok else "rejected"
    return ok, f"{field}={actual!r} {operator} {values}: {verdict}"
