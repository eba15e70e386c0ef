"""The core's layout: rooms without import cycles, and old module paths that still load.

The import graph is read from the source with ``ast``: every ``import`` of a ``cad_core``
module anywhere in a module (top level or inside a function, outside ``TYPE_CHECKING``),
``from cad_core import Name`` resolved through the export map to the module defining it.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cad_core
from cad_core._moved import MOVED

ROOT = Path(cad_core.__file__).parent
REPO = ROOT.parent
OLD_PACKAGE_NAMES = {
    "cad_core.config": ("cad_core.config.routing", "load_config"),
    "cad_core.plugins": ("cad_core.plugins.registry", "get_registry"),
    "cad_core.cli": ("cad_core.cli.commands", "main"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test or node)


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_type_checking(node):
            stack.extend(node.orelse)  # type: ignore[attr-defined]
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.add(_target(node.module, alias.name, modules))
    return {name for name in found if name in modules}


def _target(module: str, name: str, modules: set[str]) -> str:
    if f"{module}.{name}" in modules:
        return f"{module}.{name}"
    if module == "cad_core":
        return cad_core._WHERE.get(name, module)
    return module


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(path): path for path in ROOT.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        graph[name] = _imports(ast.parse(path.read_text()), modules) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep) :] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


# Imports inside a function that close a loop on purpose, each with its reason. A setting is
# declared by the core's table or by a plugin, so `settings.declaration` asks the built
# registry when it is called, and building the registry reads CAD_DISABLE_PLUGINS.
LAZY_ON_PURPOSE = {("cad_core.settings", "cad_core.plugins.declared")}


def test_the_core_has_no_import_cycle() -> None:
    graph = import_graph()
    for module, dependency in LAZY_ON_PURPOSE:
        graph[module].discard(dependency)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_loads_the_new_module_with_a_warning(old: str) -> None:
    # A fresh interpreter: in this one the old path may already be imported (no warning).
    new = "cad_core." + MOVED[old]
    code = (
        "import importlib, sys, warnings\n"
        "warnings.simplefilter('error')\n"
        f"new = importlib.import_module({new!r})\n"
        "assert 'cad_core._moved' not in sys.modules  # the table loads on an old path only\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        f"    old = importlib.import_module('cad_core.{old}')\n"
        "assert old is new, (old, new)\n"
        "assert old.__spec__.name == new.__name__\n"
        "assert any(w.category is DeprecationWarning and 'moved to' in str(w.message)"
        " for w in caught), caught\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("package", sorted(OLD_PACKAGE_NAMES))
def test_a_name_of_a_module_that_became_a_package_warns(package: str) -> None:
    module, name = OLD_PACKAGE_NAMES[package]
    with pytest.warns(DeprecationWarning, match="moved to"):
        value = getattr(importlib.import_module(package), name)
    assert value is getattr(importlib.import_module(module), name)


def test_the_public_api_and_the_testing_plugin_load_without_warnings() -> None:
    code = (
        "import warnings\nwarnings.simplefilter('error')\n"
        "import cad_core, cad_core.testing, cad_core.http\n"
        "for name in cad_core.__all__:\n    getattr(cad_core, name)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_nothing_in_the_repository_uses_an_old_path() -> None:
    old = re.compile(r"\bcad_core[./](" + "|".join(sorted(MOVED)) + r")\b")
    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.toml", "*.yaml", "*.sh", "*.cfg"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # The changelog tells history; these files name the old paths on purpose.
    allowed = {"CHANGELOG.md", "cad_core/_moved.py", "tests/test_core_layout.py"}
    allowed |= {"tests/test_core_old_paths_plugin.py"}
    offenders = [
        f"{file}: {match.group(0)}"
        for file in sorted(set(files) - allowed)
        if (REPO / file).is_file()
        for match in old.finditer((REPO / file).read_text(errors="replace"))
    ]
    assert not offenders, "old module paths in use:\n" + "\n".join(offenders)


def test_the_export_map_names_each_public_name_once() -> None:
    names = [name for names in cad_core._EXPORTS.values() for name in names]
    assert len(names) == len(set(names)), "a name listed twice: the later entry would win"
    assert set(names) == set(cad_core.__all__)


def test_executors_read_their_plan_from_one_object() -> None:
    from cad_core import ClusterReport, ExecutionContext, Notes, PlanView, Resources

    first = ClusterReport(cluster_id="c", summary="s", data="d")
    view = PlanView((first,), status_of=lambda _a: "succeeded", closing_due=lambda _a: True)
    ctx = ExecutionContext(cluster_id="c", resources=Resources({}), notes=Notes("x"))
    assert ctx.plan == PlanView() and not ctx.plan.closing_due(first)
    ctx = ExecutionContext(cluster_id="c", resources=Resources({}), notes=Notes("x"), plan=view)
    assert list(ctx.plan) == [first] and ctx.plan[:1] == (first,) and ctx.plan.index(first) == 0
    with pytest.warns(DeprecationWarning, match="ctx.plan.status_of"):
        assert ctx.status_of(first) == "succeeded"
    with pytest.warns(DeprecationWarning, match="ctx.plan.closing_due"):
        assert ctx.closing_due(first) is True
