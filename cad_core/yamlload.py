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


class NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases (``*name``).

    An alias repeats a whole subtree by reference: a 600-byte file of nested aliases
    stands for 10^8 nodes, and every consumer that walks it pays for all of them. No CAD
    input needs them, so they are refused where they appear.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


class _LineLoader(NoAliasLoader):
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
    from cad_core.inputs import read_bounded_text

    return parse_yaml(read_bounded_text(path, what), str(path), what)


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
