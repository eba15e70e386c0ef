"""Run notes: thread-safe lines, and findings kept apart from what executors add later."""

from __future__ import annotations

import threading

from cad_core.plan.notes import Notes


def test_text_has_header_and_marked_lines() -> None:
    notes = Notes("chgm")
    notes.success("nothing stopped")
    notes.warning("egress blocked")
    notes.automation("report saved")
    text = notes.text()
    assert text.splitlines()[0] == "🤖 Automated pre-investigation by CAD: chgm 🤖"
    assert text.splitlines()[1] == "=" * 27
    assert text.endswith("✅ nothing stopped\n⚠️ egress blocked\n🤖 report saved\n")


def test_findings_exclude_lines_added_after_sealing() -> None:
    notes = Notes("chgm")
    notes.warning("instances stopped")
    notes.seal()
    notes.automation("limited support set")
    assert notes.findings_text() == notes.header + "⚠️ instances stopped\n"
    assert notes.text().startswith(notes.findings_text())
    notes.seal()  # sealing twice keeps the first mark
    assert "limited support" not in notes.findings_text()


def test_concurrent_appends_keep_every_line() -> None:
    notes = Notes("x")
    threads = [
        threading.Thread(target=lambda i=i: [notes.line(f"{i}-{n}") for n in range(200)])
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(notes.lines) == 1600
