"""``cad sandbox``: run CAD's real pipeline against a simulated world."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click
from cad_core.cli.commands import check_output

if TYPE_CHECKING:
    from cad_sandbox.critical_path import CriticalPath

OUTPUT = click.Choice(["text", "json", "html"])


@contextlib.contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (``None``: remove) environment variables, and put everything back afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def default_config() -> str:
    """The routing config ``cad sandbox run`` uses without ``--config``: a file made from
    what is installed (default routes, chain heads, the plugins' sandbox routes; see
    :mod:`cad_sandbox.routes`)."""
    from cad_sandbox.routes import routing_file

    return routing_file()


def bundled_config_if_usable() -> str | None:
    """The sandbox's routing config (:func:`default_config`).

    It is made from the installed plugins, so it always fits what is installed: every
    investigation with a default route is routed, and those without one are routed by
    the sandbox routes their plugin ships.
    """
    return default_config()


def resolve_scenario(name: str) -> str:
    """A path, or the name of a scenario an installed plugin ships (``ticket-...``)."""
    from cad_sandbox.catalog import bundled_examples

    if Path(name).exists():
        return name
    examples = bundled_examples()
    if name in examples:
        return str(examples[name])
    from cad_core.errors import BadInputError

    raise BadInputError(
        f"scenario {name!r} is neither a file nor a scenario an installed plugin ships "
        f"({', '.join(examples) or 'none installed'})"
    )


def run_once(body: bytes, config: str | None, dry_run: bool) -> tuple[int, dict[str, Any], Any]:
    from cad_core.run.app import RunRequest, execute

    record = execute(RunRequest(payload=body, config=config, dry_run=dry_run))
    return (1 if record.failed else 0), record.to_record(), record


@attrs.frozen
class SandboxResult:
    """What one ``cad sandbox run`` did: every run against one world, and the world after."""

    scenario: Any
    runs: list[tuple[int, dict[str, Any], Any]]
    world: dict[str, Any]
    requests: list[dict[str, Any]]

    @property
    def exit_code(self) -> int:
        return max(code for code, _, _ in self.runs)

    def check(self) -> list[str]:
        """Mismatches with ``expect:``: the first run's actions, the world after all runs."""
        from cad_sandbox.check import compare

        code, record, _ = self.runs[0]
        return compare(self.scenario.expect, code, record, self.world)


def run_scenario(
    scenario: str,
    config: str | None = None,
    dry_run: bool = False,
    runs: int = 1,
    *,
    latency_ms: float | None = None,
    plugins: Collection[str] | None = None,
) -> SandboxResult:
    """Start the world of ``scenario``, run CAD's pipeline ``runs`` times, stop the world.

    ``latency_ms`` delays every simulated service's answers by that much, in place of the
    scenario's ``latency_ms`` (services it has no key for, too).
    ``plugins`` (entry-point or distribution names, e.g. ``["ticket", "cad-ticket-extra"]``)
    loads only those installed plugins for this call, so another team's plugin in the
    same environment cannot take part; ``None`` keeps every installed plugin.
    """
    from cad_core.plugins.isolation import isolated

    with isolated(plugins):
        return _run_scenario(scenario, config, dry_run, runs, latency_ms)


def _run_scenario(
    scenario: str, config: str | None, dry_run: bool, runs: int, latency_ms: float | None
) -> SandboxResult:
    from cad_sandbox.harness import Sandbox
    from cad_sandbox.scenario import load_scenario

    loaded = load_scenario(resolve_scenario(scenario))
    box = Sandbox(loaded)
    box.world.latency_override_ms = latency_ms
    with box as world, environment(world.env()):
        results = [
            # No --config: the installed plugins' default routes (or the environment's config),
            # so a scenario needs only the plugins it uses.
            run_once(loaded.webhook_body(), config or bundled_config_if_usable(), dry_run)
            for _ in range(runs)
        ]
        return SandboxResult(loaded, results, world.world.to_json(), world.world.requests())


@click.group("sandbox")
def sandbox() -> None:
    """Loopback simulators of the services CAD talks to, for trying CAD without accounts."""


def complete_scenario(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion: the bundled examples' names, then files."""
    from click.shell_completion import CompletionItem

    from cad_sandbox.catalog import bundled_examples

    names = [name for name in bundled_examples() if name.startswith(incomplete)]
    return [CompletionItem(name) for name in names] + [CompletionItem(incomplete, type="file")]


@sandbox.command("run")
@click.argument("scenario", shell_complete=complete_scenario)
@click.option(
    "--output", "-o", type=OUTPUT, default="text", show_default=True, callback=check_output
)
@click.option("--config", help="Routing config (default: the installed plugins' routes).")
@click.option("--dry-run", is_flag=True, help="Plan only; the world must see no writes.")
@click.option(
    "--runs",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="Run N times against one world (an idempotency check).",
)
@click.option(
    "--check", is_flag=True, help="Compare with the scenario's expect: (exit 1 on mismatch)."
)
@click.option(
    "--critical-path",
    is_flag=True,
    help="Also show the longest chain of requests that each waited for the one before.",
)
@click.option("--log-level", "-l", help="debug, info, warn, error (default: warn).")
def run_command(
    scenario: str,
    output: str,
    config: str | None,
    dry_run: bool,
    runs: int,
    check: bool,
    critical_path: bool,
    log_level: str | None,
) -> None:
    """Run CAD on the incident of SCENARIO (a YAML file or a bundled example name)."""
    from cad_core.cli.commands import emit_record
    from cad_core.logs import setup_logging

    from cad_sandbox.render import incident_fates, render_world

    setup_logging(log_level or "warn")
    result = run_scenario(scenario, config, dry_run, runs)
    fates = incident_fates(result.world, result.scenario)
    extra: dict[str, Any] = {"sandbox": {"world": result.world, "requests": result.requests}}
    if output == "html":  # the JSON keeps DESIGN §7's shape; the report has room for words
        extra["sandbox"]["incidents"] = fates
    if runs > 1:
        extra["runs"] = [record for _, record, _ in result.runs]
    path = _critical_path(result.requests) if critical_path else None
    if path is not None:
        extra["sandbox"]["critical_path"] = path.to_json()
    emit_record(result.runs[-1][2], output, extra if output != "text" else None)
    if output == "text":
        click.echo(render_world(result.world, result.requests, result.scenario))
        if path is not None:
            from cad_sandbox.critical_path import render_critical_path

            click.echo(render_critical_path(path), nl=False)
    sys.exit(_check(result) if check else result.exit_code)


def _critical_path(requests: list[dict[str, Any]]) -> CriticalPath:
    from cad_sandbox.critical_path import critical_path

    return critical_path(requests)


def _check(result: SandboxResult) -> int:
    problems = result.check()
    for problem in problems:
        click.echo(f"check: {problem}", err=True)
    verdict = "FAILED" if problems else "passed"
    click.echo(f"check: {result.scenario.name}: {verdict}", err=True)
    return 1 if problems else 0


@sandbox.command("serve")
@click.argument("scenario", shell_complete=complete_scenario)
def serve_command(scenario: str) -> None:
    """Keep the world of SCENARIO up and print the environment to use it by hand."""
    import shlex
    import tempfile
    import threading

    from cad_sandbox.harness import Sandbox
    from cad_sandbox.scenario import load_scenario

    loaded = load_scenario(resolve_scenario(scenario))
    # The SIGTERM handler is in place before anything is printed, so a signal sent as
    # soon as the exports appear still cleans up and prints the world.
    with _sigterm_interrupts(), Sandbox(loaded) as world, tempfile.TemporaryDirectory() as folder:
        with contextlib.suppress(KeyboardInterrupt):
            payload = Path(folder) / "payload.json"
            payload.write_bytes(loaded.webhook_body())
            for key, value in sorted(world.env().items()):
                click.echo(f"export {key}={shlex.quote(value)}")
            click.echo(f"# then: cad run --payload-path {payload}")
            click.echo("# Ctrl-C (or SIGTERM) stops the world", err=True)
            threading.Event().wait()
        click.echo(json.dumps(world.world.to_json(), indent=2), err=True)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends `serve` like Ctrl-C: the with-blocks clean up and the world is printed."""
    import signal

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
