"""cad_core.plan.caps: a capped text always fits, keeps whole lines from the top, counts
what it left out, and keeps the same first part however much follows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cad_core.plan.caps import WriteLimit, cap_line, cap_parts, cap_text, first, named

texts = st.text(alphabet="ab \n✅", max_size=400)
limits = st.integers(min_value=1, max_value=300)


@given(texts, limits)
def test_a_capped_text_fits_and_a_fitting_one_is_unchanged(text: str, limit: int) -> None:
    capped = cap_text(text, limit)
    assert len(capped) <= limit
    if len(text) <= limit:
        assert capped == text


@given(st.lists(st.text(alphabet="xyz", min_size=1, max_size=30), min_size=1), limits)
def test_whole_lines_are_kept_and_the_rest_counted(words: list[str], limit: int) -> None:
    text = "".join(f"{word}\n" for word in words)
    capped = cap_text(text, limit)
    if capped == text or limit < 100:
        return
    *kept, closing = capped.splitlines()
    assert kept == words[: len(kept)]
    hidden = "".join(f"{word}\n" for word in words[len(kept) :])
    assert closing.startswith(f"… and {len(words) - len(kept)} more line")
    assert f"({len(hidden)} characters)" in closing


@given(texts, texts, st.integers(min_value=150, max_value=400))
def test_the_kept_part_does_not_depend_on_what_follows(text: str, more: str, limit: int) -> None:
    text, longer = text + "\n", text + "\n" + more
    short, long = cap_text(text, limit), cap_text(longer, limit)
    if short != text and long != longer:
        assert short.rsplit("\n", 2)[0] == long.rsplit("\n", 2)[0]


@given(texts, texts, st.integers(min_value=200, max_value=400))
def test_parts_fit_and_the_end_keeps_its_reserve(head: str, end: str, limit: int) -> None:
    joined = cap_parts(head, end, limit, reserve=100)
    assert len(joined) <= limit
    if len(end) <= 100:
        assert joined.endswith(end)


def test_one_huge_line_keeps_its_start_and_counts_characters() -> None:
    capped = cap_text("x" * 1_000, 200)
    first_line, closing = capped.splitlines()
    assert first_line.startswith("x" * 50) and first_line.endswith("…")
    assert closing.startswith(f"… and {1_000 - (len(first_line) - 1)} more characters")


def test_a_line_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert cap_line("Blocked egress to the update service", 20) == "Blocked egress to…"
    assert cap_line("short", 20) == "short"


def test_a_limit_carries_its_number_and_source() -> None:
    limit = WriteLimit("note", 50, "chosen")
    assert len(limit.fit("line\n" * 40)) <= 50
    assert limit.fit_line("word " * 20).endswith("…")
    with pytest.raises(ValueError):
        WriteLimit("note", 0)


def test_lists_name_a_few_and_count_the_rest() -> None:
    assert first([1, 2, 3], 2) == ([1, 2], 1)
    assert named(["a", "b", "c"], 2) == "a, b and 1 more"
    assert named(["a"], 2) == "a"
