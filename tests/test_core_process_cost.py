"""What a process imports on each path, checked in fresh interpreters (never timings).

`cad --help` lists plugin commands by name and one-line help only; a sandbox run without
a Pushgateway never loads prometheus_client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cad_core.cli.commands import cli
from cad_core.cli.lazycli import LazyCommand

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
STOPPED = SHARED / "scenarios" / "chgm-customer-stopped-instances.yaml"
NOT_FOR_HELP = (
    "boto3",
    "botocore",
    "pagerduty",
    "httpx2",
    "requests",
    "prometheus_client",
    "importlib.resources",
    "importlib.metadata",
    "backoff",
    "yaml",
    # Issue 26: `cad --help` costs at most 1.2x `python -c "import click"`, so it imports
    # nothing click itself does not, beyond cad_core's few modules and what click's own
    # help output loads (textwrap; locale, through gettext). The start-up cache is read
    # with marshal and checked with the builtin behind importlib.util.source_hash.
    "json",
    "zlib",
    "binascii",
    "hashlib",
    "tempfile",
    "shutil",
    "attr",
    "attrs",
    "pluggy",
    "logging",
    "cad_core.errors",
)
# The modules are listed before anything else is imported: json only for the answer.
PROBE = """
import os, sys
from cad_core.cli.commands import main
try:
    main({args!r})
except SystemExit:
    pass
sys.stdout.flush()
loaded = sorted(sys.modules)
import json
os.write(2, ("MODULES " + json.dumps(loaded) + "\\n").encode())
"""


def run_probe(args: list[str], env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """What `cad ARGS` printed, and every module it had imported by the end."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return result.stdout, set(json.loads(line.removeprefix("MODULES ")))


def modules_after(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    return run_probe(args, env)[1]


def test_help_from_the_listing_cache_is_the_same_and_loads_no_plugin(tmp_path: Path) -> None:
    env = {**os.environ, "CAD_CACHE_DIR": str(tmp_path), "COLUMNS": "100"}
    env.pop("CAD_NO_ENTRY_POINT_CACHE", None)
    fresh, loaded_fresh = run_probe(["--help"], env)  # builds the registry, writes the caches
    cached, loaded_cached = run_probe(["--help"], env)
    assert fresh == cached and "sandbox" in cached
    assert "cad_sandbox.plugin" in loaded_fresh and "cad_core.plugins.registrations" in loaded_fresh
    for module in ("cad_sandbox.plugin", "cad_core.plugins.registrations", "pluggy", "attrs"):
        assert module not in loaded_cached
    # Another set of disabled plugins is another listing, never the cached one.
    without, _ = run_probe(["--help"], {**env, "CAD_DISABLE_PLUGINS": "sandbox"})
    assert "sandbox" not in without.split("Commands:")[1]
    uncached, _ = run_probe(["--help"], {**env, "CAD_NO_ENTRY_POINT_CACHE": "1"})
    assert uncached == fresh


def test_help_texts_the_cache_does_not_hold_as_a_scan_wrote_them_are_not_listed(
    tmp_path: Path,
) -> None:
    from cad_core.plugins.startcache import _decode, _encode

    env = {**os.environ, "CAD_CACHE_DIR": str(tmp_path), "COLUMNS": "100"}
    env.pop("CAD_NO_ENTRY_POINT_CACHE", None)
    fresh, _ = run_probe(["--help"], env)
    [file] = tmp_path.glob("plugins-*.cache")
    data = _decode(file.read_bytes())
    commands = data["plugins"]["sandbox"]["commands"]
    scanned = commands["sandbox"]
    for doctored in ({"help": ["not", "text"]}, {"hidden": "yes"}, {"colour": "red"}):
        commands["sandbox"] = {**scanned, **doctored}
        file.write_bytes(_encode(data))  # the right format, contents no scan writes
        shown, loaded = run_probe(["--help"], env)
        assert shown == fresh, doctored  # from the registry, as a fresh start shows it
        assert "cad_sandbox.plugin" in loaded


def test_a_plugin_entry_is_dropped_when_a_plugin_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cad_core.plugins.startcache import EntryPoint, StartCache, file_stamps

    monkeypatch.setenv("CAD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CAD_NO_ENTRY_POINT_CACHE", raising=False)
    plugin = tmp_path / "plugin.py"
    plugin.write_text("# a plugin module\n", encoding="utf-8")
    ep = EntryPoint("hello", "plugin", None, "cad-hello", "1.0")
    listing = {"hello": {"help": "Say hello.", "short_help": None, "hidden": False}}
    entry = {"status": "loaded", "commands": listing, "files": file_stamps([str(plugin)])}
    cache = StartCache([ep], {}, fresh=True)
    cache.put(ep, entry)
    cache.save()
    assert StartCache.load().help_listing() == listing
    os.utime(plugin, ns=(plugin.stat().st_atime_ns, plugin.stat().st_mtime_ns + 1_000_000))
    assert StartCache.load().help_listing() is None
    plugin.unlink()
    assert StartCache.load().help_listing() is None


def test_help_imports_no_client_library_and_no_sandbox_internals() -> None:
    modules_after(["--help"])  # the first may fill the entry-point cache (importlib.metadata)
    loaded = modules_after(["--help"])
    assert not {name for name in NOT_FOR_HELP if name in loaded}
    # Beyond click's own, only cad_core's modules and what click's help output loads.
    click_only = subprocess.run(
        [sys.executable, "-c", "import sys, click; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    added = {name for name in loaded - set(click_only) if name.partition(".")[0] != "cad_core"}
    assert added <= {"textwrap", "click._textwrap", "locale", "_locale"}, added
    sandbox = {name for name in loaded if name.split(".")[0] == "cad_sandbox"}
    assert sandbox <= {"cad_sandbox", "cad_sandbox.plugin"}


def test_the_lazy_sandbox_command_runs_and_shows_its_own_help() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert result.exit_code == 0, result.output
    assert "run" in result.output and "serve" in result.output
    listing = CliRunner().invoke(cli, ["--help"])
    assert "sandbox" in listing.output and "Loopback simulators" in listing.output


def test_a_lazy_command_invoked_on_its_own_runs_the_real_one() -> None:
    lazy = LazyCommand("sandbox", "cad_sandbox.commands:sandbox", "Simulated services.")
    result = CliRunner().invoke(lazy, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "serve" in result.output


def test_a_lazy_command_naming_no_command_is_an_error() -> None:
    with pytest.raises(TypeError, match="is not a click command"):
        LazyCommand("x", "cad_core.cli.commands:OUTPUT", "x").load()
    assert isinstance(LazyCommand("x", "cad_core.cli.commands:cli", "x").load(), click.Group)


@pytest.mark.skipif(not STOPPED.exists(), reason="needs the shared scenarios beside the repo")
def test_a_run_without_a_pushgateway_never_imports_prometheus_client() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CAD_PROMETHEUS_PUSHGATEWAY"}
    env["CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS"] = "1"
    loaded = modules_after(["sandbox", "run", "--check", str(STOPPED)], env)
    assert "cad_sandbox.harness" in loaded and "boto3" in loaded  # the run did happen
    assert "prometheus_client" not in loaded


def test_a_plugin_that_failed_to_load_is_watched_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cad_core.plugins.startcache import package_files

    package = tmp_path / "brokenplugin"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "plugin.py").write_text("raise ImportError('not yet')\n", encoding="utf-8")
    (tmp_path / "brokenpackage").mkdir()
    (tmp_path / "brokenpackage" / "__init__.py").write_text("1/0\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    files = package_files("brokenplugin.plugin", None)
    files.update(package_files("brokenpackage.plugin", None))
    assert str(package / "plugin.py") in files  # fixing it invalidates the listing
    assert str(tmp_path / "brokenpackage" / "__init__.py") in files
