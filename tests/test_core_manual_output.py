"""Manual-mode text output: the chain lists what really ran; multi-line reasons stay indented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import attrs
import pytest

from cad_core import (
    Action,
    ActionExecutor,
    Investigation,
    InvestigationResult,
    register_action_type,
)
from cad_core.cli.commands import main
from cad_core.testing import inline_plugin


@register_action_type
@attrs.frozen
class ManualOutputProbe(Action):
    type_id: ClassVar[str] = "manual_output_probe"


def _investigations() -> Iterator[Investigation]:
    yield Investigation(name="head", run=lambda ctx: InvestigationResult())
    yield Investigation(name="target", run=lambda ctx: InvestigationResult([ManualOutputProbe()]))


def _executors() -> Iterator[ActionExecutor]:
    yield ActionExecutor(
        name="probe",
        action_types=("manual_output_probe",),
        execute=lambda action, ctx: None,
        describe=lambda action, ctx: "post a note:\nfirst line\nsecond line",
    )


@pytest.fixture
def config(cad_registry, tmp_path: Path) -> str:
    cad_registry(
        inline_plugin(
            "manual-output", cad_investigations=_investigations, cad_action_executors=_executors
        )
    )
    path = tmp_path / "routing.yaml"
    path.write_text("chain_heads: [head]\nalerts: []\n")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    with pytest.raises(SystemExit) as done:
        main(["run", "-c", "c1", "-i", "target", "--dry-run", *args])
    assert done.value.code == 0
    return capsys.readouterr().out.splitlines()


def test_chain_lists_the_heads_that_ran(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "  chain: head -> target" in run(capsys, "--config", config)
    assert "  chain: target" in run(capsys, "--config", config, "--no-prechecks")


def test_every_line_of_a_dry_run_text_is_indented(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "--config", config)
    start = out.index("      would run: post a note:")
    assert out[start + 1 : start + 3] == ["      first line", "      second line"]
