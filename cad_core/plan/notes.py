"""Run notes: what an investigation found, read by the incident note at execution time.

Executors append automation lines from worker threads while an investigation may still
be reading, so every access holds a lock.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cad_core.plan.actions import IncidentNote
    from cad_core.run.context import ExecutionContext

SUCCESS = "✅"
WARNING = "⚠️"
AUTOMATION = "🤖"
RULE = "=" * 27

log = logging.getLogger("cad.notes")


class Notes:
    """Lines of findings under a header naming the investigation."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lines: list[str] = []
        self._sealed_at: int | None = None
        self._lock = threading.Lock()

    @property
    def header(self) -> str:
        title = f"Automated pre-investigation by CAD: {self.name}"
        return f"{AUTOMATION} {title} {AUTOMATION}\n{RULE}\n"

    def _append(self, marker: str, text: str) -> None:
        line = f"{marker} {text}" if marker else text
        with self._lock:
            self._lines.append(line)
        log.info("note [%s]: %s", self.name, line)

    def success(self, text: str) -> None:
        self._append(SUCCESS, text)

    def warning(self, text: str) -> None:
        self._append(WARNING, text)

    def automation(self, text: str) -> None:
        self._append(AUTOMATION, text)

    def line(self, text: str) -> None:
        self._append("", text)

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._lines)

    def seal(self) -> None:
        """Mark the end of the findings; later lines report what executors did."""
        with self._lock:
            if self._sealed_at is None:
                self._sealed_at = len(self._lines)

    def findings_text(self) -> str:
        """Header and findings only: equal on a re-run even when executors then skip."""
        with self._lock:
            end = len(self._lines) if self._sealed_at is None else self._sealed_at
            body = "".join(f"{line}\n" for line in self._lines[:end])
        return self.header + body

    def text(self) -> str:
        """The full note as posted: header, then one line per entry."""
        body = "".join(f"{line}\n" for line in self.lines)
        return self.header + body


def note_text(action: IncidentNote, ctx: ExecutionContext) -> str:
    """The text an ``incident_note`` posts, as cad-pagerduty's executor renders it: its
    ``content``, or (``content=None``) the run notes as they stand now, header first, one
    line per entry. For executors that post notes elsewhere (a chat mirror)."""
    return action.content if action.content is not None else ctx.notes.text()
