"""docs/architecture.md's module and hook tables are the code's own (see scripts/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "architecture_tables.py"


def _tables() -> Any:
    spec = importlib.util.spec_from_file_location("_architecture_tables", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tables = _tables()


@pytest.mark.parametrize("name", sorted(tables.TABLES))
def test_the_doc_table_is_the_code_table(name: str) -> None:
    in_doc = tables.table_in_doc(tables.DOC.read_text(encoding="utf-8"), name)
    assert in_doc == tables.TABLES[name](), (
        f"docs/architecture.md's {name} table is out of date: "
        "run `.venv/bin/python scripts/architecture_tables.py`"
    )


def test_every_core_module_says_what_it_is() -> None:
    missing = [row for row in tables.module_table().splitlines()[2:] if row.endswith("|  |")]
    assert not missing, "modules without a docstring:\n" + "\n".join(missing)
