"""Every hook is documented: a docstring with an example, and in the docs with its signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from cad_core.plugins import hookspecs

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_hookspec_docstring_has_an_example(name: str) -> None:
    doc = getattr(hookspecs, name).__doc__ or ""
    assert "Example::" in doc and "@hookimpl" in doc and f"def {name}()" in doc


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_hook_is_in_the_architecture_doc(name: str) -> None:
    assert f"`{name}()`" in (DOCS / "architecture.md").read_text()


def test_every_declared_hook_is_a_hookspec() -> None:
    declared = {n for n in dir(hookspecs) if n.startswith("cad_")}
    assert declared == set(hookspecs.HOOK_NAMES)


@pytest.mark.parametrize(
    "name, page",
    [
        ("cad_investigations", "writing-investigations.md"),
        ("cad_action_executors", "writing-executors.md"),
    ],
)
def test_plugin_author_pages_show_signature_and_example(name: str, page: str) -> None:
    text = (DOCS / page).read_text()
    assert f"{name}() -> Iterable[" in text and f"def {name}():" in text


def test_dashboard_queries_only_documented_metrics() -> None:
    import json
    import re

    dashboard = json.loads((DOCS.parent / "contrib" / "dashboards" / "cad.json").read_text())
    metrics_doc = (DOCS / "metrics.md").read_text()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"\b(cad_[a-z_]+?)(?:_bucket)?\b", target["expr"]):
                assert f"`{name}`" in metrics_doc, name


@pytest.mark.parametrize("name", hookspecs.HOOK_NAMES)
def test_what_a_plugin_that_breaks_the_hook_gets_is_documented(name: str) -> None:
    text = (DOCS / "writing-plugins.md").read_text()
    table = text[text.index("## When a plugin breaks") :]
    assert f"| `{name}`" in table
