"""Convert YAML nodes into frozen dataclasses, refusing anything the schema does not name.

A schema is a dataclass whose field types say what is accepted: ``str``, ``int``, ``float``,
``bool``, ``datetime`` (relative times such as ``-40m`` are resolved against
``Context.now``), ``Any``, ``Literal[...]``, unions, ``tuple[X, ...]``, ``dict[str, X]`` and
nested dataclasses. Beyond the types:

* a ``validate(self)`` method raising ``ValueError`` reports a problem at the object's line;
* ``Context.checks`` maps a schema class to a function returning :class:`Problem` items for
  checks that need more than the object (e.g. which investigations are installed);
* fields with ``metadata=INTERNAL`` are never read from YAML, ``LINE`` receives the object's
  line and ``KEY_LINES`` the line of each key (so later checks can point at them);
* a ``yaml_shorthand: ClassVar[str]`` lets a scalar stand for ``{that field: scalar}``.

Every problem is collected, not only the first, and :func:`convert` raises them as one
:class:`~cad_core.errors.BadInputError` line (format in :mod:`cad_core.config.strict_yaml`).

Why not a library (checked for issue 24): jsonschema and cattrs both validate loaded
Python data, so neither knows a line; their messages ("Additional properties are not
allowed", "extra fields found") would need a translation layer as long as this module
to keep the wording authors and tests rely on; and jsonschema would be a new run-time
dependency (with the compiled rpds-py) whose import alone costs more than this module,
paid by every alert's process.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import yaml

from cad_core.config.strict_yaml import Problem, SchemaError, node_line, problems_error

_RELATIVE_TIME = re.compile(r"^([+-])(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
TIME_FORMS = "now, -30s, -40m, -3h, -2d or an RFC 3339 timestamp"
INTERNAL: Mapping[str, Any] = {"internal": True}
LINE: Mapping[str, Any] = {"internal": True, "yaml": "line"}
KEY_LINES: Mapping[str, Any] = {"internal": True, "yaml": "key_lines"}

Check = Callable[[Any, str], Iterable[Problem]]


@dataclasses.dataclass(frozen=True)
class Context:
    """What conversion needs besides the node: the clock for relative times, extra checks."""

    now: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))
    checks: Mapping[type, Check] = dataclasses.field(default_factory=dict)


def convert(node: yaml.Node, hint: Any, source: str, ctx: Context, *, kind: str) -> Any:
    """Convert ``node`` to ``hint``; every schema problem is reported in one BadInputError."""
    try:
        return _convert(node, hint, "", ctx)
    except SchemaError as exc:
        raise problems_error(kind, source, exc.problems) from None


def parse_time(value: Any, now: datetime) -> datetime:
    """Resolve ``now``, ``-40m``-style offsets and absolute timestamps to aware UTC datetimes."""
    if isinstance(value, datetime):
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise ValueError(f"time {value.isoformat()} is out of range") from None
    if not isinstance(value, str):
        raise ValueError(f"expected a time ({TIME_FORMS}), got {_describe(value)}")
    text = value.strip()
    if text == "now":
        return now
    match = _RELATIVE_TIME.match(text)
    if match:
        sign, amount, unit = match.groups()
        try:
            offset = timedelta(**{_UNITS[unit]: int(amount)})
            return now + offset if sign == "+" else now - offset
        except OverflowError:
            raise ValueError(f"time {value!r} is out of range") from None
    try:
        return parse_time(datetime.fromisoformat(text.replace("Z", "+00:00")), now)
    except ValueError:
        raise ValueError(f"bad time {value!r}; use {TIME_FORMS}") from None


def _convert(node: yaml.Node, hint: Any, path: str, ctx: Context) -> Any:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _convert_dataclass(node, hint, path, ctx)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _convert_union(node, hint, path, ctx)
    if origin is tuple or origin is list:
        return _convert_sequence(node, typing.get_args(hint)[0], path, ctx)
    if origin is dict:
        return _convert_mapping(node, typing.get_args(hint)[1], path, ctx)
    if origin is Literal:
        return _convert_literal(node, typing.get_args(hint), path)
    return _convert_scalar(node, hint, path, ctx)


def _convert_dataclass(node: yaml.Node, cls: type, path: str, ctx: Context) -> Any:
    shorthand = getattr(cls, "yaml_shorthand", None)
    if isinstance(node, yaml.ScalarNode) and shorthand:
        node = yaml.MappingNode(
            "tag:yaml.org,2002:map",
            [(yaml.ScalarNode("tag:yaml.org,2002:str", shorthand), node)],
            node.start_mark,
            node.end_mark,
        )
    if not isinstance(node, yaml.MappingNode):
        raise SchemaError(node, path, f"expected a mapping, got {_describe_node(node)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    values, key_lines = _convert_fields(node, fields, _type_hints(cls), path, ctx)
    for name, value in _internal_values(cls, node, key_lines).items():
        values[name] = value
    obj = cls(**values)
    _run_validation(obj, node, path, ctx)
    return obj


def _convert_fields(
    node: yaml.MappingNode,
    fields: Mapping[str, dataclasses.Field[Any]],
    hints: Mapping[str, Any],
    path: str,
    ctx: Context,
) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    errors: list[SchemaError] = []
    for key_node, value_node in node.value:
        try:
            key = _mapping_key(key_node, path)
            if key not in fields:
                allowed = ", ".join(fields)
                where = f"in {path}" if path else "at the top level"
                raise SchemaError(key_node, "", f"unknown key {key!r} {where} (allowed: {allowed})")
            if key in key_lines:
                raise SchemaError(key_node, path, f"duplicate key {key!r}")
            key_lines[key] = node_line(key_node)
            values[key] = _convert(value_node, hints[key], _join(path, key), ctx)
        except SchemaError as exc:
            errors.append(exc)
    for name, field in fields.items():
        if name not in key_lines and _is_required(field):
            errors.append(SchemaError(node, path, f"missing required key {name!r}"))
    if errors:
        raise SchemaError.merge(errors)
    return values, key_lines


def _internal_values(cls: type, node: yaml.Node, key_lines: dict[str, int]) -> dict[str, Any]:
    filled: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        role = field.metadata.get("yaml")
        if role == "line":
            filled[field.name] = node_line(node)
        elif role == "key_lines":
            filled[field.name] = dict(key_lines)
    return filled


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _run_validation(obj: Any, node: yaml.Node, path: str, ctx: Context) -> None:
    validate: Callable[[], None] | None = getattr(obj, "validate", None)
    if validate is not None:
        try:
            validate()
        except ValueError as exc:
            raise SchemaError(node, path, str(exc)) from None
    check = ctx.checks.get(type(obj))
    error = SchemaError.of(node, check(obj, path)) if check else None
    if error is not None:
        raise error


def _convert_union(node: yaml.Node, hint: Any, path: str, ctx: Context) -> Any:
    options = [o for o in typing.get_args(hint) if o is not type(None)]
    if len(options) < len(typing.get_args(hint)) and _is_null(node):
        return None
    if len(options) == 1:
        return _convert(node, options[0], path, ctx)
    for option in options:
        try:
            return _convert(node, option, path, ctx)
        except SchemaError as exc:
            if not exc.only_at(node):  # the shape fitted; the problem is deeper inside
                raise
    expected = " or ".join(_expected(o) for o in options)
    raise SchemaError(node, path, f"expected {expected}, got {_describe_node(node)}")


def _convert_sequence(node: yaml.Node, item: Any, path: str, ctx: Context) -> tuple[Any, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise SchemaError(node, path, f"expected a list, got {_describe_node(node)}")
    items, errors = [], []
    for index, child in enumerate(node.value):
        try:
            items.append(_convert(child, item, f"{path}[{index}]", ctx))
        except SchemaError as exc:
            errors.append(exc)
    if errors:
        raise SchemaError.merge(errors)
    return tuple(items)


def _convert_mapping(node: yaml.Node, value_hint: Any, path: str, ctx: Context) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        raise SchemaError(node, path, f"expected a mapping, got {_describe_node(node)}")
    result: dict[str, Any] = {}
    errors: list[SchemaError] = []
    for key_node, value_node in node.value:
        try:
            key = _mapping_key(key_node, path)
            if key in result:
                raise SchemaError(key_node, path, f"duplicate key {key!r}")
            result[key] = _convert(value_node, value_hint, _join(path, key), ctx)
        except SchemaError as exc:
            errors.append(exc)
    if errors:
        raise SchemaError.merge(errors)
    return result


def _convert_literal(node: yaml.Node, choices: tuple[Any, ...], path: str) -> Any:
    value = _construct(node, path)
    for choice in choices:
        if value == choice and type(value) is type(choice):
            return choice
    listed = ", ".join(repr(c) for c in choices)
    quote = _quote_hint(value) if all(isinstance(c, str) for c in choices) else ""
    raise SchemaError(node, path, f"expected one of {listed}, got {_describe(value)}{quote}")


def _convert_scalar(node: yaml.Node, hint: Any, path: str, ctx: Context) -> Any:
    value = _construct(node, path)
    if hint is Any:
        return value
    if hint is datetime:
        try:
            return parse_time(value, ctx.now)
        except ValueError as exc:
            raise SchemaError(node, path, str(exc)) from None
    if _matches(value, hint):
        return float(value) if hint is float else value
    quote = _quote_hint(value) if hint is str else ""
    raise SchemaError(node, path, f"expected {_type_name(hint)}, got {_describe(value)}{quote}")


def _matches(value: Any, hint: Any) -> bool:
    if isinstance(value, bool):  # bool is an int subclass; keep yes/no out of numbers
        return hint is bool
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)


def _quote_hint(value: Any) -> str:
    """YAML turns unquoted True, 1.10 or 0123 into non-strings; tell the author why."""
    return " (quote it to make it a string)" if isinstance(value, bool | int | float) else ""


def _construct(node: yaml.Node, path: str) -> Any:
    try:
        return yaml.constructor.SafeConstructor().construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        raise SchemaError(node, path, " ".join(str(exc.problem).split())) from None
    except (ValueError, TypeError, AttributeError, ArithmeticError):
        # PyYAML's own constructors fail this way on values such as a 5,000-digit int,
        # `!!int abc` or `!!timestamp abc`.
        kind = node.tag.rsplit(":", 1)[-1]
        raise SchemaError(node, path, f"cannot read {_shown(node)} as a YAML {kind}") from None


def _mapping_key(node: yaml.Node, path: str) -> str:
    key = _construct(node, path)
    if not isinstance(key, str):
        raise SchemaError(node, path, f"keys must be strings, got {_describe(key)}")
    return key


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _is_required(field: dataclasses.Field[Any]) -> bool:
    missing = dataclasses.MISSING
    return field.default is missing and field.default_factory is missing


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _expected(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return ", ".join(repr(c) for c in typing.get_args(hint))
    if origin in (tuple, list):
        return "a list"
    if origin is dict or dataclasses.is_dataclass(hint):
        return "a mapping"
    if hint is datetime:
        return f"a time ({TIME_FORMS})"
    return _type_name(hint)


def _type_name(hint: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def _describe(value: Any) -> str:
    kinds: Mapping[type, str] = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
        datetime: "timestamp",
        type(None): "null",
    }
    kind = kinds.get(type(value), type(value).__name__)
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{kind} {shown}"


def _describe_node(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    try:
        return _describe(_construct(node, ""))
    except SchemaError:
        return f"the value {_shown(node)}"


def _shown(node: yaml.Node) -> str:
    text = repr(node.value)
    return text if len(text) <= 60 else text[:57] + "..."
