"""The small part of OCM's SQL-like ``search`` language that CAD and osdctl send.

Grammar: ``expr := term ('or' term)*``, ``term := factor ('and' factor)*``,
``factor := '(' expr ')' | field op 'value'`` with ops ``=``, ``!=``, ``like``, ``ilike``;
``%`` is LIKE's wildcard. Fields are dotted paths into the item's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r"\s*(?:(\()|(\))|'((?:[^']|'')*)'|(!=|=)|([A-Za-z_][\w.]*))")


class SearchError(ValueError):
    """The search expression cannot be parsed or names an unknown field."""


def compile_search(text: str, fields: Collection[str]) -> Predicate:
    """Compile ``text`` to a predicate over item dicts; only ``fields`` may be searched."""
    parser = _Parser(_tokenize(text), fields)
    predicate = parser.expression()
    leftover = parser.peek()
    if leftover is not None:
        raise SearchError(f"unexpected {leftover[1]!r} in search {text!r}")
    return predicate


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match:
            raise SearchError(f"cannot parse search {text!r} at {text[position:]!r}")
        opening, closing, quoted, operator, word = match.groups()
        if opening or closing:
            tokens.append(("paren", opening or closing))
        elif quoted is not None:
            tokens.append(("string", quoted.replace("''", "'")))
        elif operator:
            tokens.append(("op", operator))
        else:
            lowered = word.lower()
            kind = "keyword" if lowered in ("and", "or", "like", "ilike") else "field"
            tokens.append((kind, lowered if kind == "keyword" else word))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], fields: Collection[str]) -> None:
        self.tokens = tokens
        self.fields = fields
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = repr(token[1]) if token else "the end"
            raise SearchError(f"expected {value or kind} in search, found {found}")
        self.position += 1
        return token[1]

    def accept_keyword(self, word: str) -> bool:
        if self.peek() == ("keyword", word):
            self.position += 1
            return True
        return False

    def expression(self) -> Predicate:
        terms = [self.term()]
        while self.accept_keyword("or"):
            terms.append(self.term())
        return lambda item: any(term(item) for term in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.accept_keyword("and"):
            factors.append(self.factor())
        return lambda item: all(factor(item) for factor in factors)

    def factor(self) -> Predicate:
        if self.peek() == ("paren", "("):
            self.position += 1
            inner = self.expression()
            self.take("paren", ")")
            return inner
        name = self.take("field")
        if name not in self.fields:
            raise SearchError(f"unknown search field {name!r} (known: {', '.join(self.fields)})")
        operator = self._operator()
        value = self.take("string")
        return _comparison(name, operator, value)

    def _operator(self) -> str:
        token = self.peek()
        if token in (("keyword", "like"), ("keyword", "ilike")) or (token and token[0] == "op"):
            self.position += 1
            return token[1]
        raise SearchError(f"expected =, !=, like or ilike in search, found {token!r}")


def _comparison(name: str, operator: str, value: str) -> Predicate:
    if operator in ("like", "ilike"):
        flags = re.IGNORECASE if operator == "ilike" else 0
        pattern = re.compile(
            "^" + ".*".join(re.escape(part) for part in value.split("%")) + "$", flags
        )
        return lambda item: pattern.match(_text(item, name)) is not None
    if operator == "!=":
        return lambda item: _text(item, name) != value
    return lambda item: _text(item, name) == value


def _text(item: dict[str, Any], dotted: str) -> str:
    """The field as OCM compares it: strings as-is, booleans lower-case, missing as empty."""
    current: Any = item
    for part in dotted.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    if isinstance(current, bool):
        return "true" if current else "false"
    return "" if current is None else str(current)
