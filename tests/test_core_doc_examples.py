"""Every code block in the plugin authors' docs runs: no `...`, no stale names.

The Python blocks of one page run in order in one namespace (a page builds on its own
earlier blocks), in a subprocess, because they register action types for good. TOML and
YAML blocks must parse.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = ["writing-executors.md", "writing-investigations.md", "resources.md"]
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)

RUNNER = """
import sys
namespace = {"__name__": "doc_example"}
for index, source in enumerate(BLOCKS):
    try:
        exec(compile(source, f"{PAGE} python block {index + 1}", "exec"), namespace)
    except Exception as error:
        print(f"{PAGE} python block {index + 1}: {type(error).__name__}: {error}")
        sys.exit(1)
"""


def blocks(page: str) -> list[tuple[str, str]]:
    return BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_no_example_elides_code(page: str) -> None:
    for language, source in blocks(page):
        assert "..." not in source, f"{page}: a {language} block contains '...'"


@pytest.mark.parametrize("page", PAGES)
def test_every_python_block_runs(page: str, tmp_path: Path) -> None:
    sources = [source for language, source in blocks(page) if language == "python"]
    assert sources, f"{page} has no python blocks"
    script = f"PAGE = {page!r}\nBLOCKS = {sources!r}\n{RUNNER}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("page", PAGES)
def test_every_config_block_parses(page: str) -> None:
    for language, source in blocks(page):
        if language == "toml":
            tomllib.loads(source)
        elif language == "yaml":
            yaml.safe_load(source)
