"""The ``cad`` command. Heavy modules load inside commands so ``cad --help`` stays fast."""

from __future__ import annotations

import sys
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from cad_core import __version__
from cad_core.cli.lazycli import LazyCommand, help_width

if TYPE_CHECKING:  # imported inside the commands that use them: `cad --help` stays cheap
    from cad_core.plan.planword import SignedPlan
    from cad_core.plugins.registrations import OutputFormat
    from cad_core.run.context import Alert

OUTPUT = click.Choice(["text", "json", "html"])


def output_format(name: str) -> OutputFormat:
    """The installed plugin's format for ``--output NAME`` (``html``: cad-report)."""
    from cad_core.plugins.registry import get_registry

    found = get_registry().output_formats().get(name)
    if found is None:
        raise click.BadParameter(f"no installed plugin writes {name!r}: pip install cad-report")
    return found


def check_output(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """``--output``'s check, before anything runs: formats beyond text and json need a plugin."""
    if value not in ("text", "json"):
        output_format(value)
    return value


class PluginGroup(click.Group):
    """Adds commands that plugins register through ``cad_commands``."""

    _listing: dict[str, click.Command] | None = None  # set while help lists cached commands

    def _plugin_commands(self) -> dict[str, Any]:
        if self._listing is not None:
            return self._listing
        from cad_core.plugins.registry import get_registry

        return {key: reg.command for key, reg in get_registry().commands().items()}

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help from the start-up cache when the registry is not built yet: building it
        # imports attrs, pluggy and the registration classes, most of what `--help` costs.
        from cad_core.plugins.startcache import StartCache

        plugins = sys.modules.get("cad_core.plugins.registry")  # not imported: no registry yet
        cached = None
        if plugins is None or plugins.current_registry() is None:
            cached = StartCache.load().help_listing()
        if cached is None:
            from cad_core.plugins.registry import build_registry, current_registry, set_registry

            if current_registry() is None:  # only what help needs: commands, no full scan
                set_registry(build_registry(scan=False))
            super().format_commands(ctx, formatter)
            registry = current_registry()
            if registry is not None and registry.cached is not None:
                registry.cached.keep_commands()  # the next `--help` reads the cache alone
            return
        self._listing = {name: click.Command(name, **fields) for name, fields in cached.items()}
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        # Listing (`cad --help`) needs only names and one-line help: lazy commands stay so.
        found = super().get_command(ctx, name)
        command = self._plugin_commands().get(name) if found is None else found
        if command is not None and not isinstance(command, click.Command):
            from cad_core.plugins.shadows import real  # from the cache: imported only now

            command = real(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, LazyCommand):
            command = command.load()  # about to run: now import it
        return name, command, rest


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cad")
def cli() -> None:
    """CAD: investigate managed OpenShift alerts and carry out a safe plan."""


def _params(values: tuple[str, ...]) -> dict[str, str]:
    from cad_core.errors import BadInputError  # not at the top: `cad --help` needs none

    params = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInputError(f"--param {item!r} is not of the form KEY=VALUE")
        params[key.strip()] = value
    return params


@cli.command()
@click.option("--payload-path", "-P", help="Webhook body (raw JSON or base64): incident mode.")
@click.option("--cluster-id", "-c", help="Cluster id, external id or name: manual mode.")
@click.option("--investigation", "-i", help="Investigation name or alias: manual mode.")
@click.option("--param", "-p", "params", multiple=True, help="KEY=VALUE for the investigation.")
@click.option("--dry-run", "-d", is_flag=True, help="Plan only: no executor writes anything.")
@click.option("--with-filtering", is_flag=True, help="Evaluate 'when' filters in manual mode.")
@click.option(
    "--inform", is_flag=True, help="Hold customer-facing and silencing actions; post the plan."
)
@click.option(
    "--no-prechecks",
    is_flag=True,
    help="Manual mode: run the investigation alone, without the config's chain_heads.",
)
@click.option("--config", help="Routing config (default: $CAD_INVESTIGATION_CONFIG_PATH).")
@click.option(
    "--output", "-o", type=OUTPUT, default="text", show_default=True, callback=check_output
)
@click.option("--log-level", "-l", help="debug, info, warn, error (default: $LOG_LEVEL or info).")
def run(
    payload_path: str | None,
    cluster_id: str | None,
    investigation: str | None,
    params: tuple[str, ...],
    dry_run: bool,
    with_filtering: bool,
    inform: bool,
    no_prechecks: bool,
    config: str | None,
    output: str,
    log_level: str | None,
) -> None:
    """Investigate one incident (--payload-path) or one cluster (-c CLUSTER -i NAME)."""
    from cad_core.errors import BadInputError
    from cad_core.logs import setup_logging
    from cad_core.plugins.declared import check_settings
    from cad_core.plugins.registry import get_registry
    from cad_core.run.app import RunRequest, execute
    from cad_core.run.payload import read_payload

    setup_logging(log_level)
    if payload_path and (cluster_id or investigation):
        raise BadInputError("use either --payload-path (incident mode) or -c/-i (manual mode)")
    if not payload_path and not (cluster_id and investigation):
        raise BadInputError("give --payload-path FILE, or both --cluster-id and --investigation")
    check_settings(get_registry())  # a malformed setting stops the run before any request
    request = RunRequest(
        payload=read_payload(payload_path) if payload_path else None,
        cluster_id=cluster_id or "",
        investigation=investigation or "",
        params=_params(params),
        dry_run=dry_run,
        with_filtering=with_filtering,
        config=config,
        inform=inform,
        chain_heads=not no_prechecks,
    )
    from cad_core.run.shutdown import clean_exit_on_sigterm, collector_paused

    # A pod stopped mid-run still removes what it opened.
    with clean_exit_on_sigterm(), collector_paused():
        record = execute(request)
    emit_record(record, output)
    sys.exit(record.exit_code)


def redact_values(value: Any) -> Any:
    """Every string inside ``value`` with secrets replaced."""
    from cad_core.logs import redact

    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_values(k): redact_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(v) for v in value]
    return value


def emit_record(record: Any, output: str, extra: dict[str, Any] | None = None) -> None:
    from cad_core.cli.colour import echo
    from cad_core.errors import one_line
    from cad_core.logs import redact
    from cad_core.report.text import render_text

    if output == "text":
        echo(redact(render_text(record)))
        return
    import json  # not at the top: `cad --help` needs no JSON

    body = {**record.to_record(), **(extra or {})}
    # Redact the values before encoding: JSON or HTML escaping would hide a secret.
    as_json = json.dumps(redact_values(body), indent=2, default=str)
    if output != "json":
        try:
            page = output_format(output).render(redact_values(body))
        except Exception as error:  # a plugin's renderer: the run's record is never lost
            note = f"cad: --output {output} failed ({one_line(error)}); the record as JSON follows"
            click.echo(redact(note), err=True)
        else:
            click.echo(redact(page), nl=False)
            return
    click.echo(as_json)


@cli.command()
@click.option("--verbose", "-v", is_flag=True, help="Every claim of every plugin.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text")
@click.option("--json", "as_json", is_flag=True, hidden=True, help="Same as --output json.")
def plugins(verbose: bool, output: str, as_json: bool) -> None:
    """Installed plugins: a table; every claim with --verbose or --output json."""
    from cad_core.cli.inventory import plugin_inventory, render_inventory

    inventory = plugin_inventory()
    if as_json or output == "json":
        import json

        click.echo(json.dumps(inventory, indent=2))
    else:
        from cad_core.cli.colour import echo

        echo(render_inventory(inventory, verbose))


@cli.command()
def investigations() -> None:
    """Installed investigations with their aliases."""
    from cad_core.plugins.registry import get_registry

    for reg in sorted(
        get_registry().registrations("cad_investigations"), key=lambda r: r.item.name
    ):
        inv = reg.item
        aliases = f" (alias: {', '.join(inv.aliases)})" if inv.aliases else ""
        click.echo(
            f"{inv.name}{aliases} - {inv.description or 'no description'} [{reg.plugin.label}]"
        )


@cli.group("config")
def config_group() -> None:
    """Routing config tools."""


@config_group.command("check")
@click.argument("file", required=False)
def config_check(file: str | None) -> None:
    """Validate FILE and show which chain each alert title runs.

    Without FILE: the default routes the installed plugins declare.
    """
    from cad_core.cli.inventory import check_config
    from cad_core.plugins.declared import check_settings
    from cad_core.plugins.registry import get_registry

    check_settings(get_registry())  # every declared setting, as `cad run` checks them
    click.echo(check_config(file))


@cli.command()
@click.option("--payload-path", "-P", required=True, help="Webhook body (JSON or base64).")
@click.option("--config", help="Routing config (default: $CAD_INVESTIGATION_CONFIG_PATH).")
@click.option("--log-level", "-l", help="debug, info, warn, error.")
def route(payload_path: str, config: str | None, log_level: str | None) -> None:
    """Which alert entry matches a payload and why, and the chain that would run (no writes)."""
    from cad_core.cli.inventory import explain_route
    from cad_core.logs import setup_logging
    from cad_core.plugins.declared import check_settings
    from cad_core.plugins.registry import get_registry

    setup_logging(log_level or "warn")
    check_settings(get_registry())  # it may read the alert source's API
    click.echo(explain_route(payload_path, config))


@cli.command("apply")
@click.argument("plan")
@click.option("--cluster-id", "-c", required=True, help="The cluster the plan is for.")
@click.option("--incident-id", help="The incident the plan is for (as in its note).")
@click.option("--alert-source", help="The alert source of that incident (as in its note).")
@click.option("--dry-run", "-d", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (after reading the plan).")
@click.option("--config", help="Routing config, for its executors: selection.")
@click.option(
    "--output", "-o", type=OUTPUT, default="text", show_default=True, callback=check_output
)
@click.option("--log-level", "-l", help="debug, info, warn, error (default: $LOG_LEVEL or info).")
def apply_command(
    plan: str,
    cluster_id: str,
    incident_id: str | None,
    alert_source: str | None,
    dry_run: bool,
    yes: bool,
    config: str | None,
    output: str,
    log_level: str | None,
) -> None:
    """Apply a PLAN that CAD held back in inform mode (the command is in its incident note).

    Only a plan CAD signed, for this cluster and incident, before it expires; the plan is
    shown in full and nothing is written until you agree.
    """
    from cad_core.errors import one_line
    from cad_core.logs import setup_logging
    from cad_core.plan.planword import check_binding, required_keys, verify_plan
    from cad_core.plugins.declared import check_settings
    from cad_core.plugins.registry import get_registry
    from cad_core.run.applying import ApplyStopped, apply_plan

    setup_logging(log_level)
    check_settings(get_registry())  # before the plan's first write
    signed = verify_plan(plan, required_keys())
    check_binding(signed.binding, cluster_id, incident_id or "", alert_source or "")
    try:
        record = apply_plan(signed, dry_run, config, partial(_confirm, ask=not (yes or dry_run)))
    except ApplyStopped as error:
        click.echo(f"cad: error: {_redact_early(one_line(error))}", err=True)
        sys.exit(1)
    emit_record(record, output)
    sys.exit(1 if record.failed else 0)


def _confirm(plan: SignedPlan, alert: Alert | None, *, ask: bool) -> None:
    """Show the plan in full on stderr; unless told not to, wait for a person's yes."""
    from cad_core.errors import BadInputError
    from cad_core.logs import redact
    from cad_core.plan.inform import plan_listing
    from cad_core.plan.planword import expiry_text

    binding = plan.binding
    incident = f"{alert.id} ({alert.source}): {alert.title}" if alert is not None else "none"
    click.echo(
        redact(
            "CAD's signed plan, with every text it will write in full:\n"
            f"  cluster: {binding.cluster_id}\n  incident: {incident}\n"
            f"  planned by: {', '.join(binding.investigations) or 'unknown'}\n"
            f"  expires: {expiry_text(binding)}\n{plan_listing(plan.actions)}"
        ),
        err=True,
    )
    if not ask:
        return
    if not sys.stdin.isatty():
        raise BadInputError(
            "cad apply asks before it writes, and no one can answer here: run it in a "
            "terminal, or pass --yes once you have read the plan"
        )
    steps = len(plan.actions)
    if not click.confirm(f"Apply these {steps} step(s)?", default=False, err=True):
        raise click.Abort()


def _redact_early(text: str) -> str:
    """Redact, loading the plugins first: a usage error comes before anything loaded them,
    and only they know which settings are secret."""
    import contextlib

    from cad_core.logs import redact
    from cad_core.plugins.registry import get_registry

    # The message must be printed whatever happens, redacted as well as we can.
    with contextlib.suppress(Exception):
        get_registry()
    return redact(text)


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input is one line on stderr and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, prog_name="cad", standalone_mode=False, terminal_width=help_width())
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("cad: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        from cad_core.errors import one_line

        message = one_line(Exception(error.format_message()))
        click.echo(f"cad: error: {_redact_early(message)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # the last line of defence: no traceback reaches a user
        # Imported here, not at the top: `cad --help` needs no error classes.
        from cad_core.errors import BadInputError, one_line

        if isinstance(error, BadInputError):  # input a person must fix
            click.echo(f"cad: error: {_redact_early(one_line(error))}", err=True)
            sys.exit(2)
        click.echo(
            f"cad: internal error: {_redact_early(one_line(error))} "
            "(run with LOG_LEVEL=debug and report this)",
            err=True,
        )
        import logging

        logging.getLogger("cad").debug("internal error", exc_info=True)
        sys.exit(1)
