"""The analyser's CSV sections and the report made from them."""

from __future__ import annotations

from cad_etcddatabasequotalowspace import analysis

OUTPUT = """starting analysis
namespace,total_size_megabytes
big,10.5
small,not-a-number
namespace,name,total_size_megabytes,resourceType
big,"a,b",2.25,secrets
resourceType,total_size_megabytes
events,7
"""


def test_sections_are_read_by_their_headers_and_bad_rows_skipped() -> None:
    parsed = analysis.parse(OUTPUT)
    assert parsed.sections[analysis.NAMESPACES] == (analysis.Row("big", 10.5),)
    assert parsed.sections[analysis.LARGEST] == (analysis.Row("big/a,b", 2.25, "secrets"),)
    assert analysis.EVENTS not in parsed.sections
    assert not parsed.empty


def test_the_report_lists_each_section_that_has_rows() -> None:
    text = analysis.report(analysis.parse(OUTPUT))
    assert "Space used per namespace:\n1. big: 10.50 MB" in text
    assert "1. big/a,b: 2.25 MB (secrets)" in text
    assert "events" in text and "Space used by events" not in text


def test_output_without_headers_is_empty() -> None:
    assert analysis.parse("error: no snapshot\n").empty
