"""Hook implementations only. Everything heavy is imported inside the hooks, so that
loading this plugin (for ``cad --help``) costs next to nothing."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core.plugins.checks import url_check
from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import ActionExecutor, AlertSource, Setting


@hookimpl
def cad_alert_sources() -> Iterator[AlertSource]:
    from cad_pagerduty.signature import verify_request
    from cad_pagerduty.source import SOURCE, parse, read

    yield AlertSource(
        name=SOURCE,
        parse=parse,
        verify=verify_request,
        read=read,
        description="PagerDuty incident webhooks (V3 and Event Orchestration)",
    )


@hookimpl
def cad_settings() -> Iterator[Setting]:
    # Names only: cad_pagerduty.settings (which reads them) is not imported for `cad --help`.
    yield Setting(
        name="CAD_PD_URL",
        description="PagerDuty REST API base URL",
        check=url_check("https"),
        default="https://api.pagerduty.com",
    )
    yield Setting(name="CAD_PD_TOKEN", description="a PagerDuty REST API key", secret=True)
    yield Setting(name="CAD_PD_FROM", description="e-mail sent as From on incident writes")
    yield Setting(name="CAD_SILENT_POLICY", description="the escalation policy that silences")
    yield Setting(
        name="PD_SIGNATURE",
        description="the webhook signing secret(s), comma-separated",
        secret=True,
        multiple=True,
        required_for=("interceptor",),
    )


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_pagerduty.executors import registrations

    yield from registrations()
