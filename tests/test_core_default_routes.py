"""Installed investigations bring their routes; an explicit config still wins, strictly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cad_core import DefaultRoute, Investigation, InvestigationResult
from cad_core.cli.commands import main
from cad_core.errors import BadInputError
from cad_core.run.app import load_routing, plugin_routes
from cad_core.testing import inline_plugin


def _investigations() -> Iterator[Investigation]:
    def nothing(ctx: object) -> InvestigationResult:
        return InvestigationResult()

    yield Investigation(name="precheck", run=nothing, chain_head=True)
    yield Investigation(name="chgm", run=nothing, default_route=DefaultRoute("has gone missing"))
    yield Investigation(
        name="deep",
        run=nothing,
        default_route=DefaultRoute(alert_titles=("gone missing again",), experimental=True),
    )


PLUGIN = inline_plugin("routes-plugin", cad_investigations=_investigations)


@pytest.fixture(autouse=True)
def no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAD_INVESTIGATION_CONFIG_PATH", raising=False)
    monkeypatch.delenv("CAD_EXPERIMENTAL_ENABLED", raising=False)


def test_without_a_config_routes_and_chain_heads_come_from_the_plugins(cad_registry) -> None:
    config = load_routing(cad_registry(PLUGIN), None, required=True)
    assert config.chain_heads == ("precheck",)
    # The longer title first: it is the more specific one.
    assert [(r.alert_title, r.experimental) for r in config.alerts] == [
        ("gone missing again", True),
        ("has gone missing", False),
    ]
    assert config.match("Cluster X HAS GONE MISSING", experimental=False).name == "chgm"
    assert config.match("c gone missing again", experimental=True).name == "deep"
    assert all(route.origin == "inline" for route in config.alerts)


def test_an_explicit_config_wins_and_stays_strict(cad_registry, tmp_path: Path) -> None:
    registry = cad_registry(PLUGIN)
    path = tmp_path / "routing.yaml"
    path.write_text("alerts:\n  - alert_title: other\n    investigations: [chgm]\n")
    config = load_routing(registry, str(path), required=True)
    assert [r.alert_title for r in config.alerts] == ["other"] and config.chain_heads == ()
    path.write_text("alerts:\n  - alert_title: other\n    investigations: [absent]\n")
    with pytest.raises(BadInputError, match="unknown investigation 'absent'"):
        load_routing(registry, str(path), required=True)


def test_no_config_and_no_default_route_is_one_clear_error(cad_registry) -> None:
    with pytest.raises(BadInputError, match="declares a default route"):
        plugin_routes(cad_registry())


def test_config_check_without_a_file_names_each_route_s_plugin(
    cad_registry, capsys: pytest.CaptureFixture[str]
) -> None:
    cad_registry(PLUGIN)
    main(["config", "check"])  # returns normally: exit code 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "routes of the installed plugins: valid, 2 alert entries",
        "  every chain starts with: precheck",
        "  'gone missing again' (experimental): precheck -> deep [default route of inline]",
        "  'has gone missing': precheck -> chgm [default route of inline]",
    ]


@pytest.mark.parametrize("titles", [(), ("",), ("ok", "  ")])
def test_a_default_route_needs_real_titles(titles: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="at least one non-empty alert title"):
        DefaultRoute(alert_titles=titles)


def test_an_alias_equal_to_the_name_is_dropped() -> None:
    inv = Investigation(name="chgm", run=lambda ctx: InvestigationResult(), aliases=("chgm", "c"))
    assert inv.aliases == ("c",)


def test_only_plugins_refuses_a_name_nothing_has() -> None:
    from cad_core.testing import only_plugins

    with pytest.raises(ValueError, match="no installed cad plugin is named no-such-plugin"):
        only_plugins("no-such-plugin")


def test_only_plugins_loads_the_named_plugin_alone(cad_plugins) -> None:
    registry = cad_plugins("cad-chgm")  # a distribution name works as well as "chgm"
    assert [inv.name for inv in registry.investigations()] == ["chgm"]
    assert registry.plugins["ocm"].status == "disabled"
