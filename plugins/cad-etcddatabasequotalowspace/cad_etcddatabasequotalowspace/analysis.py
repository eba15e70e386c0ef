"""The analyser's output (CSV sections printed by ``analyze-snapshot.sh``) and the report
made from it: pure functions."""

from __future__ import annotations

import csv
import io

import attrs

# Each section starts with its CSV header line; these are the analyser's own headers.
NAMESPACES = "namespace,total_size_megabytes"
LARGEST = "namespace,name,total_size_megabytes,resourceType"
EVENTS = "namespace,total_event_size_megabytes"
TYPES = "resourceType,total_size_megabytes"
HEADERS = (NAMESPACES, LARGEST, EVENTS, TYPES)
TITLES = {
    NAMESPACES: "Space used per namespace",
    LARGEST: "Largest ConfigMaps and Secrets",
    EVENTS: "Space used by events, per namespace",
    TYPES: "Space used per resource type",
}


@attrs.frozen
class Row:
    label: str  # namespace, namespace/name or resource type
    megabytes: float
    kind: str = ""  # the resource type of a LARGEST row


@attrs.frozen
class Analysis:
    sections: dict[str, tuple[Row, ...]]

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())


def parse(output: str) -> Analysis:
    """Rows per section; lines before the first header and malformed rows are skipped."""
    lines: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line in HEADERS:
            current = lines.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return Analysis({header: _rows(header, body) for header, body in lines.items()})


def _rows(header: str, body: list[str]) -> tuple[Row, ...]:
    rows = []
    for record in csv.reader(io.StringIO("\n".join(body))):
        try:
            if header == LARGEST and len(record) >= 4:
                rows.append(Row(f"{record[0]}/{record[1]}", float(record[2]), record[3]))
            elif header != LARGEST and len(record) >= 2:
                rows.append(Row(record[0], float(record[1])))
        except ValueError:  # a size that is not a number: the row says nothing
            continue
    return tuple(rows)


def report(analysis: Analysis) -> str:
    """The cluster report's text: each section, largest first as the analyser sorts it."""
    parts = ["What fills etcd (from an analysed snapshot)", ""]
    for header in HEADERS:
        rows = analysis.sections.get(header) or ()
        if not rows:
            continue
        parts.append(f"{TITLES[header]}:")
        for number, row in enumerate(rows, 1):
            kind = f" ({row.kind})" if row.kind else ""
            parts.append(f"{number}. {row.label}: {row.megabytes:.2f} MB{kind}")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
