"""Strict YAML: one loader, one schema converter and one error format for every YAML input.

The routing config and the sandbox's scenarios are both read here. Text is composed into
YAML nodes rather than loaded into Python objects, because only nodes keep their line
numbers and an author needs the line of a typo. The nodes are then converted into frozen
dataclasses (:mod:`cad_core.config.yamlschema`), refusing anything the schema does not name and
collecting every problem, so one run shows everything to fix.

Every problem reads ``line N: <path>: <problem>`` and every message starts with the kind of
input and its source::

    routing config routing.yaml, line 4: alerts[0].investigations[1]: unknown investigation 'x'
    scenario world.yaml: 2 problems: line 3: ocm.clusters[0]: ... | line 9: faults[0]: ...

YAML aliases (``*name``) are refused while composing: 600 bytes of nested aliases expand to
10^8 nodes for any code walking the result, and no CAD input needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import attrs
import yaml

from cad_core.errors import BadInputError

__all__ = [
    "Problem",
    "SchemaError",
    "compose",
    "nodes_from_data",
    "problems_error",
    "read_source",
]


@attrs.frozen
class Problem:
    """One thing to fix: where (line 0 when unknown, path "" at the top) and what."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        at = f"{self.path}: " if self.path else ""
        return f"{where}{at}{self.message}"


def node_line(node: yaml.Node | None) -> int:
    """1-based line of a node; 0 for nodes built from Python data, which have no marks."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 0


class SchemaError(Exception):
    """Problems found while converting nodes, each kept with the node it is about."""

    def __init__(self, node: yaml.Node | None, path: str, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.path = path
        self.found: list[tuple[yaml.Node | None, Problem]] = [
            (node, Problem(node_line(node), path, message))
        ]

    @classmethod
    def merge(cls, errors: Iterable[SchemaError]) -> SchemaError:
        errors = list(errors)
        merged = errors[0]
        for error in errors[1:]:
            merged.found.extend(error.found)
        return merged

    @classmethod
    def of(cls, node: yaml.Node | None, problems: Iterable[Problem]) -> SchemaError | None:
        """One error holding ``problems`` (already located), or None when there are none."""
        problems = list(problems)
        if not problems:
            return None
        error = cls(node, problems[0].path, problems[0].message)
        error.found = [(node, problem) for problem in problems]
        return error

    def only_at(self, node: yaml.Node) -> bool:
        """True when every problem is about ``node`` itself: its shape, not its insides."""
        return all(found is node for found, _ in self.found)

    @property
    def problems(self) -> list[Problem]:
        return [problem for _, problem in self.found]


def problems_error(kind: str, source: str, problems: Iterable[Problem]) -> BadInputError:
    """The one-line error for ``problems`` of the ``kind`` input named ``source``."""
    problems = list(problems)
    if len(problems) == 1:
        (problem,) = problems
        where = f", line {problem.line}" if problem.line else ""
        at = f"{problem.path}: " if problem.path else ""
        return BadInputError(f"{kind} {source}{where}: {at}{problem.message}")
    listed = " | ".join(str(problem) for problem in problems)
    return BadInputError(f"{kind} {source}: {len(problems)} problems: {listed}")


def read_source(path: str | os.PathLike[str], kind: str) -> str:
    """The text of a YAML file; unreadable or non-UTF-8 files are one-line BadInputErrors.

    Read through the one bounded reader, so a device or a FIFO cannot hang or flood CAD.
    """
    from cad_core.config.inputs import read_bounded_text

    try:
        return read_bounded_text(path, kind)
    except BadInputError as error:  # one wording for every YAML input: name it first
        prefix = f"cannot read {kind} {path}: "
        text = str(error)
        if text.startswith(prefix):
            raise BadInputError(f"{kind} {path}: cannot read it: {text[len(prefix) :]}") from None
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise BadInputError(f"{kind} {path}: cannot read it: {reason}") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{kind} {path}: not UTF-8 text") from None


class _AliasRefused(yaml.MarkedYAMLError):
    pass


class StrictLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses aliases instead of sharing the anchored node."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _AliasRefused(
                problem=f"YAML aliases (*{event.anchor}) are not accepted; write the value out",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


# Deeper than this, the pure-Python composer answers (it reports "nested too deeply"
# where the converters, which recurse per level, would otherwise run out of stack).
_FAST_DEPTH = 100


def compose(text: str, source: str, *, kind: str) -> yaml.Node | None:
    """Compose YAML text into nodes (None for an empty document); bad YAML is one line.

    libyaml's composer (when PyYAML has it) is ten times faster on big scenarios. It
    shares an aliased node instead of refusing it, so its result is only kept when no
    node appears twice and the nesting is shallow; otherwise, and for every error, the
    pure-Python composer runs again to give the one error format with its line number.
    """
    fast = _compose_fast(text)
    if fast is not None:
        return fast[0]
    return _compose_strict(text, source, kind=kind)


def _compose_fast(text: str) -> tuple[yaml.Node | None] | None:
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        node = yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is not None and not _plain_tree(node):
        return None
    return (node,)


def _plain_tree(root: yaml.Node) -> bool:
    """No node twice (an alias) and no deeper than ``_FAST_DEPTH``."""
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, int]] = [(root, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen or depth > _FAST_DEPTH:
            return False
        seen.add(id(node))
        for child in node.value:
            for item in child if isinstance(child, tuple) else (child,):
                pending.append((item, depth + 1))
    return True


def _compose_strict(text: str, source: str, *, kind: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=StrictLoader)
    except _AliasRefused as exc:
        raise problems_error(kind, source, [_marked(exc, "")]) from None
    except yaml.MarkedYAMLError as exc:
        raise problems_error(kind, source, [_marked(exc, "invalid YAML: ")]) from None
    except yaml.YAMLError as exc:
        problem = Problem(0, "", f"invalid YAML: {' '.join(str(exc).split())}")
        raise problems_error(kind, source, [problem]) from None
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        raise problems_error(kind, source, [Problem(0, "", "nested too deeply")]) from None


def _marked(exc: yaml.MarkedYAMLError, prefix: str) -> Problem:
    line = exc.problem_mark.line + 1 if exc.problem_mark else 0
    problem = " ".join(str(exc.problem or exc.context or "not valid YAML").split())
    return Problem(line, "", prefix + problem)


def nodes_from_data(data: Any, source: str = "(dict)", *, kind: str) -> yaml.Node:
    """Represent plain Python data as YAML nodes (no line numbers) for the same checks."""
    try:
        node = yaml.representer.SafeRepresenter().represent_data(data)
    except yaml.representer.RepresenterError as exc:
        problem = Problem(0, "", f"cannot represent {exc.args[-1]!r}")
        raise problems_error(kind, source, [problem]) from None
    except RecursionError:
        raise problems_error(kind, source, [Problem(0, "", "nested too deeply")]) from None
    _refuse_shared(node, kind, source)
    return node


def _refuse_shared(root: yaml.Node, kind: str, source: str) -> None:
    """Refuse data holding one list or mapping twice: the aliases of already-loaded YAML."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:
            problem = Problem(0, "", "the same list or mapping appears twice (YAML aliases?)")
            raise problems_error(kind, source, [problem])
        seen.add(id(node))
        for child in node.value:  # items, or (key, value) pairs of a mapping
            pending.extend(child if isinstance(child, tuple) else (child,))
