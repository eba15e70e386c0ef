"""Text for people from the real ``cad`` process: the ``cad plugins`` table, colour only on
a terminal (never with ``NO_COLOR``), and shell completion."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import click
import pytest

CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
ANSI = "\x1b["


def cad(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*CAD, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    return done


def on_a_terminal(*args: str, **env: str) -> str:
    """What ``cad`` prints when its stdout is a terminal (a pseudo-terminal, 100 columns)."""
    parent, child = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.Popen(
        [*CAD, *args], stdout=child, stderr=subprocess.DEVNULL, env={**environ, **env}
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode()


def test_plugins_is_a_compact_table_that_fits_the_terminal() -> None:
    out = cad("plugins", COLUMNS="100").stdout.splitlines()
    assert out[0].split() == ["PLUGIN", "VERSION", "STATUS", "PROVIDES"]
    assert max(len(line) for line in out) <= 100
    rows = {line.split()[0]: line for line in out[1:] if line.startswith("cad-")}
    chgm = ["0.1.0", "loaded", "investigation", "chgm;", "1", "setting"]  # its declared setting
    assert rows["cad-chgm"].split()[1:] == chgm
    assert len(rows) == len(json.loads(cad("plugins", "--output", "json").stdout)["plugins"])
    assert out[-1].endswith("Every claim: cad plugins --verbose (or --output json).")


def test_plugins_verbose_lists_every_claim_wrapped_to_the_terminal() -> None:
    out = cad("plugins", "--verbose", COLUMNS="80").stdout
    assert "    settings: CAD_PD_URL; CAD_PD_TOKEN (secret);" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "pagerduty-silence:" in out and "silence_incident;" in out


def test_plugins_json_is_the_same_with_either_flag() -> None:
    assert cad("plugins", "--json").stdout == cad("plugins", "--output", "json").stdout


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert ANSI in on_a_terminal("plugins")
    assert ANSI not in on_a_terminal("plugins", NO_COLOR="1")
    assert ANSI not in cad("plugins").stdout  # a pipe
    demo = on_a_terminal("sandbox", "run", "chgm-customer-stopped-instances")
    assert click.style("succeeded", fg="green") in demo
    assert f"[{click.style('done', fg='green')}]" in demo


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("cad sa", "1", "plain,sandbox"),
        ("cad run --out", "2", "plain,--output"),
        ("cad sandbox run chgm-customer-s", "3", "plain,chgm-customer-stopped-instances"),
    ],
)
def test_shell_completion_completes_commands_options_and_scenarios(
    words: str, cword: str, expected: str
) -> None:
    done = cad(COMP_WORDS=words, COMP_CWORD=cword, _CAD_COMPLETE="bash_complete")
    assert expected in done.stdout.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_documented_completion_scripts_are_printed(shell: str) -> None:
    script = cad(_CAD_COMPLETE=f"{shell}_source").stdout
    assert "_CAD_COMPLETE" in script
