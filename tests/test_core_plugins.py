"""Plugin loading through real entry points of fake installed distributions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cad_core.errors import BadInputError
from cad_core.plugins.registry import build_registry

GOOD = """
from cad_core import ActionExecutor, Investigation, InvestigationResult, hookimpl

@hookimpl
def cad_investigations():
    yield Investigation(name="Hello", run=lambda ctx: InvestigationResult(), aliases=["hi"])

@hookimpl
def cad_action_executors():
    yield ActionExecutor(name="good-note", action_types=["incident_note"],
                         execute=lambda a, ctx: None)
"""
BROKEN = "import module_that_does_not_exist_anywhere\n"
RIVAL = """
from cad_core import ActionExecutor, hookimpl

@hookimpl
def cad_action_executors():
    yield ActionExecutor(name="rival-note", action_types=["incident_note"],
                         execute=lambda a, ctx: None)
"""
MISSPELLED = """
from cad_core import hookimpl

@hookimpl
def cad_investigation():
    return []
"""
WRONG_TYPE = """
from cad_core import hookimpl

@hookimpl
def cad_investigations():
    yield "not a registration"
"""


def install(site: Path, dist: str, version: str, module: str, source: str) -> None:
    """Write a module and a *.dist-info folder, as pip would, with a `cad` entry point."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[cad]\n{module} = {module}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh site folder; the plugins really installed here are disabled for isolation."""
    from importlib import metadata

    installed = {ep.name for ep in metadata.entry_points(group="cad")}
    monkeypatch.setenv("CAD_DISABLE_PLUGINS", ",".join(sorted(installed)))
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_good_plugin_is_attributed_to_its_distribution(site: Path) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    registry = build_registry()
    info = registry.plugins["hello_plugin"]
    assert (info.distribution, info.version, info.status) == ("cad-hello", "1.2.3", "loaded")
    assert registry.investigation("HI").name == "hello"
    assert registry.executor_for("incident_note").plugin is info


def test_broken_plugin_is_reported_and_others_still_load(site: Path) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    install(site, "cad-broken", "0.1", "broken_plugin", BROKEN)
    registry = build_registry()
    broken = registry.plugins["broken_plugin"]
    assert broken.status == "failed"
    assert broken.error == "No module named 'module_that_does_not_exist_anywhere'"
    assert registry.plugins["hello_plugin"].status == "loaded"


def test_two_executors_for_one_type_is_an_error_naming_both(site: Path) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    install(site, "cad-rival", "4.5", "rival_plugin", RIVAL)
    registry = build_registry()
    expected = (
        "action type 'incident_note' is claimed by 'good-note' (cad-hello 1.2.3) and "
        "'rival-note' (cad-rival 4.5); uninstall one of them, or pick one in the routing "
        "config: executors: {incident_note: <executor name>}"
    )
    assert registry.conflicts() == [expected]
    with pytest.raises(BadInputError) as error:
        registry.executor_for("incident_note")
    assert str(error.value) == expected


def test_config_selection_resolves_a_conflict(site: Path) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    install(site, "cad-rival", "4.5", "rival_plugin", RIVAL)
    registry = build_registry()
    selection = {"incident_note": "rival-note"}
    assert registry.conflicts(selection) == []
    assert registry.executor_for("incident_note", selection).item.name == "rival-note"
    with pytest.raises(BadInputError, match="selects 'nobody', but the claimants are"):
        registry.executor_for("incident_note", {"incident_note": "nobody"})


def test_misspelled_hook_fails_that_plugin(site: Path) -> None:
    install(site, "cad-typo", "0.1", "typo_plugin", MISSPELLED)
    info = build_registry().plugins["typo_plugin"]
    assert info.status == "failed"
    assert "cad_investigation" in info.error and "not a CAD hook" in info.error


def test_wrong_registration_type_fails_that_plugin(site: Path) -> None:
    install(site, "cad-wrong", "0.1", "wrong_plugin", WRONG_TYPE)
    registry = build_registry()
    assert registry.registrations("cad_investigations") == []  # hooks run on first use
    info = registry.plugins["wrong_plugin"]
    assert (info.status, info.error) == (
        "failed",
        "cad_investigations yielded str, expected Investigation",
    )


def test_disable_plugins_by_name(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    import os

    monkeypatch.setenv("CAD_DISABLE_PLUGINS", os.environ["CAD_DISABLE_PLUGINS"] + ", cad-hello ")
    registry = build_registry()
    assert registry.plugins["hello_plugin"].status == "disabled"
    with pytest.raises(BadInputError, match="unknown investigation 'hello'"):
        registry.investigation("hello")


def test_missing_executor_names_what_is_claimed(site: Path) -> None:
    install(site, "cad-hello", "1.2.3", "hello_plugin", GOOD)
    with pytest.raises(BadInputError) as error:
        build_registry().executor_for("service_log")
    assert str(error.value) == (
        "no installed executor claims action type 'service_log' (claimed types: "
        "incident_note); install the plugin that provides it"
    )


def test_registration_names_are_validated() -> None:
    from cad_core import Investigation

    with pytest.raises(ValueError, match="is not valid"):
        Investigation(name="bad name!", run=lambda ctx: None)
    with pytest.raises(TypeError, match="run must be callable"):
        Investigation(name="ok", run="nope")  # type: ignore[arg-type]
    assert Investigation(name="  MiXed ", run=lambda ctx: None).name == "mixed"


def test_an_alias_that_hides_another_plugins_investigation_is_a_conflict(cad_registry) -> None:
    from cad_core.plugins.registrations import Investigation, InvestigationResult
    from cad_core.testing import inline_plugin

    def nothing(ctx: object) -> InvestigationResult:
        return InvestigationResult()

    a = inline_plugin(
        "a", cad_investigations=lambda: [Investigation("a-check", nothing, aliases=("x",))]
    )
    b = inline_plugin("b", cad_investigations=lambda: [Investigation("x", nothing)])
    registry = cad_registry(a, b)
    [problem] = registry.conflicts()
    assert problem.startswith("investigation name 'x' is claimed by ")
    assert "'a-check' (alias, inline)" in problem and "'x' (name, inline)" in problem
    assert [inv.name for inv in registry.investigations()] == ["a-check", "x"]
