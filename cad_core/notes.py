"""Run notes: what an investigation found, read by the incident note at execution time.

Executors append automation lines from worker threads while an investigation may still
be reading, so every access holds a lock.
"""

from __future__ import annotations

import logging
import threading

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

    def section(self, header: str, content: str) -> None:
        self._append("", f"## {header}\n{content}\n")

    @property
    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._lines)

    def text(self) -> str:
        """The full note as posted: header, then one line per entry."""
        body = "".join(f"{line}\n" for line in self.lines)
        return self.header + body
