"""The start-up cache: a run imports only the plugins it uses, and the cache is never believed
when anything it came from changed (install, edit, uninstall, corruption, a hook that
answers differently). Plugins are installed the way pip leaves a distribution (a package
beside its ``.dist-info``) into a folder on ``PYTHONPATH`` and driven through the real
``cad`` process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
STOPPED = SHARED / "scenarios" / "chgm-customer-stopped-instances.yaml"
CAD = "from cad_core.cli.commands import main; main()"
# `cad ARGS`, then every module the process imported, on stderr.
PROBE = """
import atexit, json, os, sys
modules = lambda: ("MODULES " + json.dumps(sorted(sys.modules)) + "\\n").encode()
atexit.register(lambda: os.write(2, modules()))
from cad_core.cli.commands import main
main()
"""
TYPO = """
from cad_core import hookimpl

@hookimpl
def cad_investigation():
    return []
"""
RAISER = """
from cad_core import hookimpl

@hookimpl
def cad_resources():
    raise RuntimeError("no resources today")
"""
PLUGIN = """
import os
from cad_core import Investigation, InvestigationResult, hookimpl

def look(ctx):
    return InvestigationResult()

@hookimpl
def cad_investigations():
    yield Investigation(name="{name}", run=look, description="{description}")
"""


def install(site: Path, name: str, body: str) -> None:
    """A distribution ``cad-NAME`` whose entry point is the module ``cad_NAME``."""
    (site / f"cad_{name}.py").write_text(textwrap.dedent(body))
    info = site / f"cad_{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: cad-{name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[cad]\n{name} = cad_{name}\n")


def uninstall(site: Path, name: str) -> None:
    (site / f"cad_{name}.py").unlink()
    for path in (site / f"cad_{name}-0.1.0.dist-info").iterdir():
        path.unlink()
    (site / f"cad_{name}-0.1.0.dist-info").rmdir()


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CAD_DISABLE_PLUGINS", "CAD_NO_ENTRY_POINT_CACHE")
    }
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    return {**env, "PYTHONPATH": str(site), "CAD_CACHE_DIR": str(tmp_path / "cache"), **extra}


def cad(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `cad ARGS`; the result and the modules the process had imported."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return result, set(json.loads(line.removeprefix("MODULES ")))


def cache_file(tmp_path: Path) -> Path:
    [file] = (tmp_path / "cache").glob("plugins-*.cache")
    return file


def read_cache(file: Path) -> Any:
    from cad_core.plugins.startcache import _decode

    return _decode(file.read_bytes())


def write_cache(file: Path, data: Any) -> None:
    """What a person or tool that knows the format could write (a doctored cache)."""
    from cad_core.plugins.startcache import _encode

    file.write_bytes(_encode(data))


def test_install_edit_and_uninstall_are_seen_and_an_unchanged_plugin_is_not_imported(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path)
    site = Path(env["PYTHONPATH"])
    result, _ = cad(env, "investigations")
    assert result.returncode == 0, result.stderr
    assert "lazyone" not in result.stdout
    install(site, "lazyone", PLUGIN.format(name="lazyone", description="first words"))
    result, loaded = cad(env, "investigations")  # installed: the cache is scanned again
    assert "lazyone - first words [cad-lazyone 0.1.0]" in result.stdout
    assert "cad_lazyone" in loaded
    result, loaded = cad(env, "investigations")  # from the cache: the plugin stays out
    assert "lazyone - first words" in result.stdout
    assert "cad_lazyone" not in loaded and "cad_expiredcertificates" not in loaded
    plugin = site / "cad_lazyone.py"
    stamp = plugin.stat().st_mtime_ns
    plugin.write_text(PLUGIN.format(name="lazyone", description="second words"))
    os.utime(plugin, ns=(stamp + 10**9, stamp + 10**9))  # an edit, even within one tick
    result, loaded = cad(env, "investigations")
    assert "lazyone - second words" in result.stdout and "cad_lazyone" in loaded
    uninstall(site, "lazyone")
    result, _ = cad(env, "investigations")
    assert result.returncode == 0, result.stderr
    assert "lazyone" not in result.stdout


def test_a_corrupt_or_doctored_cache_is_scanned_again(tmp_path: Path) -> None:
    env = environment(tmp_path)
    install(Path(env["PYTHONPATH"]), "lazytwo", PLUGIN.format(name="lazytwo", description="x"))
    assert cad(env, "investigations")[0].returncode == 0
    file = cache_file(tmp_path)
    whole = file.read_bytes()
    written = read_cache(file)
    for damaged in (
        whole[: len(whole) // 2],  # half a file
        whole[:-1] + bytes([whole[-1] ^ 1]),  # one bit flipped: never handed to marshal
        b"[" + (2**31 - 1).to_bytes(4, "little"),  # marshal for "a list of 2**31 items"
    ):
        file.write_bytes(damaged)
        result, loaded = cad(env, "investigations")
        assert "lazytwo - x" in result.stdout and "cad_lazytwo" in loaded
        assert read_cache(file) == written  # written again, whole
    data = read_cache(file)
    [shadow] = data["plugins"]["lazytwo"]["registrations"]["cad_investigations"]
    shadow["class"] = "Path"  # not a registration class: never built from the cache
    write_cache(file, data)
    result, loaded = cad(env, "investigations")
    assert "lazytwo - x" in result.stdout and "cad_lazytwo" in loaded


def test_a_json_cache_of_the_previous_format_is_replaced_without_a_word(tmp_path: Path) -> None:
    from cad_core.plugins import startcache

    env = environment(tmp_path)
    install(Path(env["PYTHONPATH"]), "lazyold", PLUGIN.format(name="lazyold", description="x"))
    (tmp_path / "cache").mkdir()
    # Format 2's file for this interpreter, as it named it (CAD_CACHE_DIR is read there).
    old = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cad_core.plugins import startcache as s; print(s._json_cache_file())",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    Path(old).write_text(json.dumps({"format": 2, "fingerprint": "", "plugins": {}}))
    result, loaded = cad(env, "investigations")
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("MODULES ") for line in result.stderr.splitlines())
    assert "lazyold - x" in result.stdout and "cad_lazyold" in loaded
    assert not Path(old).exists()  # the new file replaced it
    assert read_cache(cache_file(tmp_path))["format"] == startcache.FORMAT


def test_conflicts_and_broken_plugins_are_reported_from_the_cache_too(tmp_path: Path) -> None:
    env = environment(tmp_path)
    site = Path(env["PYTHONPATH"])
    install(site, "clasha", PLUGIN.format(name="samename", description="a"))
    install(site, "clashb", PLUGIN.format(name="samename", description="b"))
    install(site, "broken", "raise ImportError('not today')\n")
    install(site, "typo", TYPO)
    install(site, "raiser", RAISER)
    args = ("run", "-c", "cluster-1", "-i", "samename", "--no-prechecks")
    for attempt in ("scan", "cache"):
        result, loaded = cad(env, *args)
        assert result.returncode == 2, (attempt, result.stderr)
        assert "investigation 'samename' is claimed by" in result.stderr
        assert "cad-clasha 0.1.0" in result.stderr and "cad-clashb 0.1.0" in result.stderr
        plugins, _ = cad(env, "plugins", "--output", "json")
        listed = json.loads(plugins.stdout)["plugins"]
        status = {p["name"]: (p["status"], p["error"]) for p in listed}
        assert status["broken"] == ("failed", "not today"), attempt
        assert status["typo"][0] == "failed" and "cad_investigation" in status["typo"][1]
        assert status["raiser"] == ("failed", "no resources today"), attempt
        assert status["ocm"][0] == "loaded"  # the others keep working
    assert "cad_clasha" not in loaded  # the second time, the conflict came from the cache
    disabled = {**env, "CAD_DISABLE_PLUGINS": "clashb"}
    result, loaded = cad(disabled, "investigations")
    assert "samename - a" in result.stdout and "samename - b" not in result.stdout
    assert "cad_clashb" not in loaded


def test_a_hook_that_answers_differently_is_caught_at_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cad_core.plugins.isolation import only_these
    from cad_core.plugins.registry import build_registry
    from cad_core.plugins.shadows import PluginChanged

    env = environment(tmp_path)
    install(
        Path(env["PYTHONPATH"]),
        "moody",
        PLUGIN.replace('description="{description}"', 'description=os.environ["MOOD"]').format(
            name="moody"
        ),
    )
    monkeypatch.syspath_prepend(env["PYTHONPATH"])
    monkeypatch.setenv("CAD_CACHE_DIR", env["CAD_CACHE_DIR"])
    monkeypatch.delenv("CAD_NO_ENTRY_POINT_CACHE", raising=False)
    monkeypatch.setenv("MOOD", "calm")
    with only_these(["moody"]):
        build_registry()  # scans it: the cache says "calm"
        sys.modules.pop("cad_moody")
        monkeypatch.setenv("MOOD", "stormy")
        registry = build_registry()
        investigation = registry.investigation("moody")
        assert investigation.description == "calm" and "cad_moody" not in sys.modules
        with pytest.raises(PluginChanged, match="no longer registers what the start-up cache"):
            investigation.run(None)  # type: ignore[arg-type]
    assert "moody" not in read_cache(cache_file(tmp_path))["plugins"]


def _bench() -> Any:
    """bench/run_imports.py, loaded by path (neither folder is a package): its `served`."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "run_imports.py"
    spec = importlib.util.spec_from_file_location("_run_imports", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OFF_THE_CHGM_CHAIN = (
    "cad_expiredcertificates",
    "cad_lease",
    "cad_machinehealthcheck",
    "cad_restartcontrolplane",
    "cryptography",
)
# Loaded on first use (issue 26): a run routed by the plugins' default routes reads no
# YAML, evaluates no `when`, holds and signs no plan, serves no sandbox, checks no webhook
# signature, keeps no replay claims, reads no hibernation history (chgm reads it only on its
# egress path) and imports no old module path (docs/architecture.md).
NOT_IN_A_PLAIN_RUN = (
    "yaml",
    "cad_core._moved",
    "cad_core.config.routing",
    "cad_core.config.strict_yaml",
    "cad_core.config.yamlschema",
    "cad_core.config.filters",
    "cad_core.plan.planword",
    "cad_core.plugins.simulation",
    "cad_core.run.claims",
    "cad_pagerduty.signature",
    "cad_ocm.hibernation",
)


def lazy_ones_loaded(modules: set[str]) -> set[str]:
    return {name for name in NOT_IN_A_PLAIN_RUN if name in modules}


@pytest.mark.skipif(not STOPPED.exists(), reason="needs the shared scenarios beside the repo")
def test_a_chgm_run_imports_only_the_plugins_on_its_chain(tmp_path: Path) -> None:
    env = environment(tmp_path, CAD_LOCK_DIR=str(tmp_path), CAD_STATE_DIR=str(tmp_path))
    env["CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"] = "1"
    with _bench().served(sys.executable, str(STOPPED), env, str(tmp_path)) as exports:
        run_env = {**env, **{k: v for k, v in exports.items() if k != "PAYLOAD"}}
        args = ("run", "--payload-path", exports["PAYLOAD"], "-o", "json")
        # `cad sandbox serve` wrote the cache (it scanned every plugin).
        first, loaded_first = cad(run_env, *args)
        assert first.returncode == 0, first.stderr
        second, loaded = cad(run_env, *args)  # a second alert's process
        dry, loaded_dry = cad(run_env, *args, "--dry-run")
    assert second.returncode == 0, second.stderr
    assert dry.returncode == 0, dry.stderr
    assert "filelock" not in loaded_dry  # a dry run takes no lock: no lock library
    statuses = {a["type"]: a["status"] for a in json.loads(first.stdout)["actions"]}
    assert statuses["limited_support"] == "succeeded", statuses
    assert {"cad_pagerduty", "cad_ocm", "cad_chgm"} <= {m.partition(".")[0] for m in loaded}
    # Action types are known before any plan: the module defining them is imported.
    action_types = {"cad_restartcontrolplane", "cad_restartcontrolplane.actions"}
    for modules in (loaded_first, loaded, loaded_dry):
        off = {m for m in modules if m.partition(".")[0] in OFF_THE_CHGM_CHAIN}
        assert off <= action_types, off
        assert not lazy_ones_loaded(modules)


def test_an_alert_whose_chain_makes_no_aws_call_imports_no_aws_sdk(tmp_path: Path) -> None:
    """ccam asks for the cloud credentials, not a boto3 session (issue 26)."""
    env = environment(tmp_path, CAD_LOCK_DIR=str(tmp_path), CAD_STATE_DIR=str(tmp_path))
    healthy = STOPPED.with_name("cmbb-monitoring-healthy.yaml")
    with _bench().served(sys.executable, str(healthy), env, str(tmp_path)) as exports:
        run_env = {**env, **{k: v for k, v in exports.items() if k != "PAYLOAD"}}
        result, loaded = cad(run_env, "run", "--payload-path", exports["PAYLOAD"], "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "succeeded"
    assert not {"boto3", "botocore", "s3transfer"} & {m.partition(".")[0] for m in loaded}
    assert not lazy_ones_loaded(loaded)


ORPHAN_ACTIONS = """
from typing import ClassVar

import attrs
from cad_core import Action, Audience, register_action_type


@register_action_type
@attrs.frozen
class Wave(Action):
    type_id: ClassVar[str] = "orphan_wave"
    audience: ClassVar[str | None] = Audience.INTERNAL
    cluster_id: str = ""

    def summary_line(self) -> str:
        return f"wave at {self.cluster_id}"
"""
ORPHAN_PLUGIN = """
from cad_core import Investigation, InvestigationResult, hookimpl

import cad_orphan.actions  # registers orphan_wave


def wave(ctx):
    return InvestigationResult([cad_orphan.actions.Wave(cluster_id=ctx.cluster_id)])


@hookimpl
def cad_investigations():
    yield Investigation(name="orphan", run=wave, description="plans what nobody carries out")
"""


def test_an_action_type_nobody_claims_is_rejected_before_anything_runs(tmp_path: Path) -> None:
    env = environment(tmp_path)
    package = Path(env["PYTHONPATH"]) / "cad_orphan"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "actions.py").write_text(ORPHAN_ACTIONS)
    install(Path(env["PYTHONPATH"]), "orphan", "")
    (Path(env["PYTHONPATH"]) / "cad_orphan.py").unlink()  # the package is the plugin
    entry_points = Path(env["PYTHONPATH"]) / "cad_orphan-0.1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[cad]\norphan = cad_orphan.plugin\n")
    (package / "plugin.py").write_text(ORPHAN_PLUGIN)
    args = ("run", "-c", "cluster-1", "-i", "orphan", "--no-prechecks", "-o", "json")
    for attempt in ("scan", "cache"):
        result, loaded = cad(env, *args)
        assert result.returncode == 1, (attempt, result.stderr)
        actions = json.loads(result.stdout)["actions"]
        [action] = [a for a in actions if a["type"] == "orphan_wave"]
        assert action["status"] == "not_run", attempt
        assert "no installed executor claims action type 'orphan_wave'" in action["error"]
    result, loaded = cad(env, "investigations")  # from the cache: only its action types
    assert "cad_orphan.actions" in loaded and "cad_orphan.plugin" not in loaded
