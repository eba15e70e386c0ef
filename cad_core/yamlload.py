"""YAML loading that remembers line numbers, so errors can point at the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cad_core.errors import BadInputError


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that knows the line of each item (1-based)."""

    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    def construct_sequence(  # a list subclass, items as YAML gives
        self, node: yaml.SequenceNode, deep: bool = False
    ) -> LineList:
        items = LineList(super().construct_sequence(node, deep=deep))
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items

    def construct_mapping(  # type: ignore[override]  # a dict subclass, keys as YAML gives
        self, node: yaml.MappingNode, deep: bool = False
    ) -> LineDict:
        mapping = LineDict(super().construct_mapping(node, deep=deep))  # type: ignore[arg-type]
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    lambda loader, node: loader.construct_sequence(node, deep=True),  # type: ignore[arg-type]
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node, deep=True),  # type: ignore[arg-type]
)


def item_line(sequence: object, index: int) -> int:
    if isinstance(sequence, LineList) and index < len(sequence.item_lines):
        return sequence.item_lines[index]
    return 0


def line_of(mapping: object, key: str | None = None) -> int:
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line) if key else mapping.line
    return 0


def load_yaml(path: str | Path, what: str) -> Any:
    """Parse a YAML file; unreadable or malformed files are one-line BadInputErrors."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot read {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{what} {path} is not UTF-8 text") from None
    return parse_yaml(text, str(path), what)


def parse_yaml(text: str, name: str, what: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except RecursionError:  # PyYAML composes recursively, once per nesting level
        raise BadInputError(f"{name}: {what} is not valid YAML (nested too deeply)") from None
    except (ValueError, TypeError, AttributeError, ArithmeticError) as error:
        # PyYAML's constructors fail like this on `!!int abc`, `!!timestamp x`, huge ints.
        raise BadInputError(f"{name}: {what} has a value YAML cannot read ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise BadInputError(f"{name}{where}: {what} is not valid YAML ({problem})") from None
