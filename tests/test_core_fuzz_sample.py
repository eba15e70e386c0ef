"""A small sample of the fuzz bench in the normal test suite.

Bad webhook payloads (``cad route``), routing configs (``cad config check``) and scenario files
(the sandbox's scenario loader) must end in success or in exit code 2 with one line on stderr,
never a traceback. The generators, the fixed corpus of known nasty inputs and the checkers
live in bench/fuzz.py, loaded here by path so there is one source; the full run (10,000
inputs, plus the payloads against a live sandbox world) is ``.venv/bin/python bench/fuzz.py``.
Hypothesis is derandomized here, so every run checks the same few hundred inputs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

FUZZ_PATH = Path(__file__).resolve().parents[1] / "bench" / "fuzz.py"
EXAMPLES = {"payload": 150, "config": 100, "scenario": 80}


def _load_fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cad_bench_fuzz", FUZZ_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()


@pytest.fixture
def checker(tmp_path: Path) -> object:
    return fuzz.Checker(tmp_path)


@pytest.mark.parametrize(
    "kind, name", [(kind, name) for kind in fuzz.OFFLINE_KINDS for name in fuzz.KNOWN[kind]]
)
def test_known_nasty_input(checker: object, kind: str, name: str) -> None:
    verdict = checker.check(kind)(fuzz.KNOWN[kind][name])  # type: ignore[attr-defined]
    assert verdict.ok, f"{kind} {name!r}: {verdict.outcome}\n{verdict.detail}"


@pytest.mark.campaign  # the known nasty inputs above run every time
@pytest.mark.parametrize("kind", fuzz.OFFLINE_KINDS)
def test_generated_inputs(checker: object, kind: str) -> None:
    bases = fuzz.reference_webhooks(fuzz.sandbox_webhooks()) if kind == "payload" else []
    tally = fuzz.drive(
        fuzz.strategy_for(kind, bases),
        checker.check(kind),  # type: ignore[attr-defined]
        fuzz.Tally(kind),
        EXAMPLES[kind],
    )
    assert tally.count >= EXAMPLES[kind] // 2
    problems = [
        f"{count}x {sig}\n  e.g. {data[:200]!r}\n  {detail.strip().splitlines()[-1:]}"
        for sig, (count, data, detail) in tally.failures.items()
    ]
    assert not problems, f"{tally.failed} of {tally.count} {kind} inputs failed:\n" + "\n".join(
        problems
    )
