"""The tables of docs/architecture.md, made from the code: modules and hooks.

``python scripts/architecture_tables.py`` rewrites them in place;
tests/test_core_architecture_doc.py fails when the doc and the code disagree.
The module table is each module's docstring's first line; the hook table is
``cad_core.plugins.hookspecs.HOOKS`` with each registration's fields.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import attrs

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "architecture.md"
MARKS = {
    "modules": ("<!-- modules: made by scripts/architecture_tables.py -->", "<!-- /modules -->"),
    "hooks": ("<!-- hooks: made by scripts/architecture_tables.py -->", "<!-- /hooks -->"),
}


def module_table() -> str:
    rows = ["| module | what it is (its docstring's first line) |", "|---|---|"]
    for path in sorted((REPO / "cad_core").rglob("*.py")):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = docstring.strip().splitlines()[0] if docstring.strip() else ""
        rows.append(f"| `{path.relative_to(REPO / 'cad_core').as_posix()}` | {first} |")
    return "\n".join(rows)


def hook_table() -> str:
    from cad_core.plugins.hookspecs import HOOKS, registration_class

    rows = ["| hook | yields | keyed by |", "|---|---|---|"]
    for hook, (_kind, key) in HOOKS.items():
        kind = registration_class(hook)
        fields = ", ".join(field.name for field in attrs.fields(kind))
        rows.append(f"| `{hook}()` | `{kind.__name__}({fields})` | `{key}` |")
    return "\n".join(rows)


TABLES = {"modules": module_table, "hooks": hook_table}


def _span(text: str, name: str) -> re.Match[str]:
    begin, end = MARKS[name]
    match = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.DOTALL)
    if match is None:
        raise SystemExit(f"{DOC}: the {name} table's marks are missing")
    return match


def table_in_doc(text: str, name: str) -> str:
    return _span(text, name).group(1).rstrip("\n")


def rewrite(text: str) -> str:
    for name, make in TABLES.items():
        match = _span(text, name)
        text = text[: match.start(1)] + make() + "\n" + text[match.end(1) :]
    return text


if __name__ == "__main__":
    DOC.write_text(rewrite(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
