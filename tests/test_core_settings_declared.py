"""One settings mechanism (issue 24): every ``CAD_*`` variable the code reads is declared.

The reads are found in the source with ``ast``; the declarations come from the real
registry of the installed plugins, through ``cad plugins --output json`` run as a process.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cad_core.errors import BadInputError
from cad_core.plugins.registrations import Setting
from cad_core.settings import UndeclaredSettingError, number, setting, setting_values

ROOT = Path(__file__).resolve().parents[1]
CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
TEMPLATE = ROOT / "contrib" / "plugin-template"
# The one accessor (cad_core.settings) and what it replaced.
ACCESSORS = {"setting", "setting_values", "number", "flag", "declaration", "number_setting"}
ENVIRON = {"environ", "env"}
# Raw reads of a (declared) CAD_* variable, each with its reason; nowhere else.
RAW_READS_ALLOWED = {
    "cad_core/plugins/startcache.py": "runs before anything else for `cad --help`: no imports",
    "cad_core/plugins/isolation.py": "sets CAD_DISABLE_PLUGINS for a test and puts it back",
    "plugins/cad-sandbox/cad_sandbox/fake_verifier.py": "a subprocess of the standard library",
}


def sources() -> Iterator[Path]:
    yield from sorted((ROOT / "cad_core").rglob("*.py"))
    for package in sorted((ROOT / "plugins").glob("*/cad_*")):
        yield from sorted(package.rglob("*.py"))
    yield from sorted(TEMPLATE.glob("cad_*/**/*.py"))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"``: reads often name their variable through one."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _text(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _is_environ(node: ast.expr) -> bool:
    """``os.environ``, ``environ`` or an ``env`` mapping."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id in ENVIRON


def reads(tree: ast.Module) -> Iterator[tuple[int, str, bool]]:
    """``(line, variable, raw)`` of every read with a name known here; raw: not the accessor."""
    constants = _constants(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _text(node.slice, constants)
            if name:
                yield node.lineno, name, True
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func, name = node.func, _text(node.args[0], constants)
        if name is None:
            continue
        if isinstance(func, ast.Attribute) and (
            func.attr == "getenv" or (func.attr == "get" and _is_environ(func.value))
        ):
            yield node.lineno, name, True
        elif isinstance(func, ast.Name) and func.id in ACCESSORS:
            yield node.lineno, name, func.id == "number_setting"


def cad_reads() -> list[tuple[str, int, str, bool]]:
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(ROOT).as_posix()
        found += [(where, line, name, raw) for line, name, raw in reads(tree)]
    return [read for read in found if read[2].startswith("CAD_")]


@cache
def inventory() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    env["CAD_PD_TOKEN"] = "pd-token-that-must-never-be-printed"
    result = subprocess.run(
        [*CAD, "plugins", "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "pd-token-that-must-never-be-printed" not in result.stdout
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def declared_names() -> set[str]:
    return {row["name"] for row in inventory()["settings"]}


def constructed(paths: Iterator[Path]) -> set[str]:
    """The names of the ``Setting(...)`` the source builds (plugins read through them)."""
    names = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Setting":
                given = node.args[0] if node.args else None
                given = given or next((k.value for k in node.keywords if k.arg == "name"), None)
                name = _text(given, constants) if given is not None else None
                names |= {name} if name else set()
    return names


def test_every_cad_variable_the_code_reads_is_declared() -> None:
    found = cad_reads()
    # The scanner still sees reads by name (reads through a Setting object are checked by
    # their declaration instead, as cad-pagerduty's and cad-interceptor's are).
    assert len({name for _where, _line, name, _raw in found}) > 25
    declared = declared_names() | constructed(TEMPLATE.glob("cad_*/**/*.py"))
    undeclared = [f"{w}:{line} {name}" for w, line, name, _raw in found if name not in declared]
    assert not undeclared, "read but not declared through cad_settings: " + ", ".join(undeclared)


def test_every_setting_the_code_builds_is_declared() -> None:
    """A plugin reading through its own Setting object must also yield it from the hook."""
    installed = (p for p in sources() if TEMPLATE not in p.parents)
    built = {name for name in constructed(installed) if name.startswith("CAD_")}
    assert len(built) > 20
    assert not built - declared_names()


def test_the_code_reads_cad_variables_through_the_accessor() -> None:
    raw = [
        f"{where}:{line} {name}"
        for where, line, name, is_raw in cad_reads()
        if is_raw and where not in RAW_READS_ALLOWED
    ]
    assert not raw, "read with os.environ, not cad_core.settings.setting(): " + ", ".join(raw)


def test_the_scanner_sees_each_kind_of_read() -> None:
    source = (
        "import os\nNAME = 'CAD_C'\n"
        "os.environ.get('CAD_A')\nos.environ['CAD_B']\nos.getenv(NAME)\nsetting('CAD_D')\n"
    )
    assert [(name, raw) for _line, name, raw in sorted(reads(ast.parse(source)))] == [
        ("CAD_A", True),
        ("CAD_B", True),
        ("CAD_C", True),
        ("CAD_D", False),
    ]


def test_plugins_json_lists_each_setting_with_owner_default_and_secrecy() -> None:
    rows = {row["name"]: row for row in inventory()["settings"]}
    assert rows["CAD_RETRY_MAX_ATTEMPTS"]["owner"] == "cad-core"
    assert rows["CAD_RETRY_MAX_ATTEMPTS"]["default"] == "4"
    assert rows["CAD_PD_TOKEN"] == {
        "name": "CAD_PD_TOKEN",
        "owner": "cad-pagerduty",
        "plugin": "pagerduty",
        "description": "a PagerDuty REST API key",
        "default": None,
        "secret": True,
        "multiple": False,
        "checked": False,
        "required_for": [],
        "set": True,
    }
    assert rows["PD_SIGNATURE"]["required_for"] == ["interceptor"]
    assert all(row["description"] for row in rows.values())


def _documented() -> set[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("\n## Environment variables", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.MULTILINE))


def test_the_configuration_doc_lists_every_declared_setting() -> None:
    missing = sorted(declared_names() - _documented())
    assert not missing, f"declared but not in docs/configuration.md's tables: {missing}"


def test_every_cad_variable_in_the_doc_tables_is_declared() -> None:
    extra = sorted(n for n in _documented() - declared_names() if n.startswith("CAD_"))
    assert not extra, f"in docs/configuration.md but declared by no plugin: {extra}"


# -- the accessor --------------------------------------------------------------------------


def test_the_accessor_gives_the_declared_default_and_the_stripped_value() -> None:
    assert setting("CAD_LOCK_PROVIDER", {}) == "file"
    assert setting("CAD_LOCK_PROVIDER", {"CAD_LOCK_PROVIDER": "  lease "}) == "lease"
    assert number("CAD_RETRY_MAX_DELAY", {"CAD_RETRY_MAX_DELAY": " "}) == 30.0
    assert setting_values("CAD_DISABLE_PLUGINS", {"CAD_DISABLE_PLUGINS": "a, ,b"}) == ["a", "b"]
    assert setting("CAD_EXPERIMENTAL_ENABLED", {"CAD_EXPERIMENTAL_ENABLED": " t"}, strip=False)


def test_a_bad_value_is_one_line_naming_the_variable_and_never_a_secret() -> None:
    with pytest.raises(BadInputError, match=r"^CAD_LOCK_WAIT_SECONDS='soon' is not a number$"):
        number("CAD_LOCK_WAIT_SECONDS", {"CAD_LOCK_WAIT_SECONDS": "soon"})
    key = Setting("CAD_X_KEY", secret=True, check=lambda v: int(v))
    with pytest.raises(BadInputError) as caught:
        setting(key, {"CAD_X_KEY": "hunter2-secret"})
    assert "hunter2" not in str(caught.value) and "CAD_X_KEY=***" in str(caught.value)


def test_reading_an_undeclared_setting_is_refused() -> None:
    with pytest.raises(UndeclaredSettingError, match="CAD_NOBODY_DECLARES_THIS"):
        setting("CAD_NOBODY_DECLARES_THIS", {})


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("CAD_LOCK_WAIT_SECONDS", "soon", "CAD_LOCK_WAIT_SECONDS='soon' is not a number"),
        ("CAD_KUBE_PAGE_SIZE", "0", "CAD_KUBE_PAGE_SIZE='0' must be at least 1"),
        ("CAD_LEASE_DURATION_SECONDS", "2", "must be a whole number of at least 3"),
    ],
)
def test_config_check_checks_every_declared_setting(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    result = subprocess.run(
        [*CAD, "config", "check", str(config)],
        env={**env, variable: value},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr
