"""Fitting a write into the size its receiving API takes, saying what was left out.

Each executor declares the limits of the API it writes to (a :class:`WriteLimit` per
field, with where the number comes from) and passes its text through :func:`cap_text`
(many lines: notes, descriptions, reports) or :func:`cap_line` (one line: a summary).
The cap lives with the executor, not the investigation, so a note built by any
investigation, ours or a third party's, fits too.

``cap_text`` keeps whole lines from the top and ends with one line counting the rest::

    >>> cap_text("".join(f"machine-{i}\\n" for i in range(12)), 100)
    'machine-0\\n… and 11 more lines (112 characters), left out to fit the size limit\\n'

The lines it keeps depend only on the text and the limit, never on how much is left out,
so a text that grows at its end (a re-run's extra lines) keeps the same first part: an
idempotency check may compare the kept part of two runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import attrs

T = TypeVar("T")

Tail = Callable[[int, int], str]
"""``tail(lines, characters)``: the closing line saying how much was left out."""

# The tail is measured at these counts to reserve its room before knowing the real ones.
_WIDEST = (10**9, 10**12)
ELLIPSIS = "…"


@attrs.frozen
class WriteLimit:
    """How many characters one field of an external API takes, and why we believe so.

    Example: ``WriteLimit("note content", 10_000, "chosen: PagerDuty documents none")``.
    """

    field: str
    chars: int = attrs.field(validator=attrs.validators.gt(0))
    source: str = ""  # the documentation page stating it, or why the number was chosen

    def fit(self, text: str, tail: Tail | None = None) -> str:
        """``text`` within this limit, whole lines first (:func:`cap_text`)."""
        return cap_text(text, self.chars, tail or left_out)

    def fit_line(self, text: str) -> str:
        """One line within this limit (:func:`cap_line`)."""
        return cap_line(text, self.chars)


def left_out(lines: int, characters: int) -> str:
    """The default closing line, for SRE-facing text."""
    if not lines:
        return f"{ELLIPSIS} and {characters} more characters, left out to fit the size limit"
    plural = "" if lines == 1 else "s"
    return (
        f"{ELLIPSIS} and {lines} more line{plural} ({characters} characters), "
        "left out to fit the size limit"
    )


def cap_line(text: str, limit: int) -> str:
    """``text`` if it fits; else cut at the last space that leaves room for ``…``."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary, unless it would throw away half the line
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def cap_text(text: str, limit: int, tail: Tail = left_out) -> str:
    """``text`` if it fits in ``limit`` characters; else its first whole lines and a
    closing line from ``tail(lines left out, characters left out)``.

    A first line too long to keep whole is cut (:func:`cap_line`) and its remainder
    counted among the characters left out.
    """
    if len(text) <= limit:
        return text
    reserve = len(tail(*_WIDEST)) + 2  # the closing line, its newline, one spare
    budget = limit - reserve
    if budget <= 0:
        return cap_line(text, limit)
    lines = text.splitlines(keepends=True)
    kept, shown = 0, 0
    for line in lines:
        if shown + len(line) > budget:
            break
        shown, kept = shown + len(line), kept + 1
    head = "".join(lines[:kept])
    if kept == 0:  # one huge first line: keep its start rather than nothing
        head = cap_line(lines[0].rstrip("\r\n"), budget - 1)
        shown = len(head) - len(ELLIPSIS)
        kept = 1  # partly
    if not head.endswith("\n"):
        head += "\n"
    closing = tail(len(lines) - kept, len(text) - shown)
    return head + closing + ("\n" if text.endswith("\n") else "")


def cap_parts(head: str, end: str, limit: int, reserve: int, tail: Tail = left_out) -> str:
    """``head`` capped to ``limit - reserve``, then ``end`` capped to what remains.

    For a text whose last lines matter most (an incident note's record of what CAD did):
    ``end`` keeps its room up to ``reserve`` however long ``head`` is, and ``head``'s
    kept part depends only on ``head``, so two runs that differ only in ``end`` keep the
    same first part.
    """
    first = cap_text(head, max(limit - reserve, 1), tail)
    if not end:
        return first
    joint = "" if not first or first.endswith("\n") else "\n"
    return first + joint + cap_text(end, limit - len(first) - len(joint), tail)


def first(items: Sequence[T], shown: int) -> tuple[Sequence[T], int]:
    """The first ``shown`` items and how many more there are, for a note that lists
    objects: it names a readable few at any cluster size and counts the rest."""
    return items[:shown], max(len(items) - shown, 0)


def named(items: Sequence[str], shown: int, separator: str = ", ") -> str:
    """``a, b, c and 7 more``: the first names, then a count."""
    listed, hidden = first(items, shown)
    text = separator.join(listed)
    return f"{text} and {hidden} more" if hidden else text
