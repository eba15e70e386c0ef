"""Hook implementations only. Everything heavy is imported inside the hooks, so that
loading this plugin (for ``cad --help``) costs next to nothing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import (
    ActionExecutor,
    AlertPlan,
    AlertSource,
    Setting,
    Verdict,
)

if TYPE_CHECKING:
    from cad_core.plugins.simulation import SandboxSimulator


def verify_request(headers: Mapping[str, Sequence[str]], body: bytes) -> Verdict:
    """Only ``cad interceptor`` checks signatures: a run never imports the check."""
    from cad_pagerduty import signature

    return signature.verify_request(headers, body)


@hookimpl
def cad_alert_sources() -> Iterator[AlertSource]:
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
    from cad_pagerduty.settings import DECLARED

    yield from DECLARED.values()


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_pagerduty.executors import registrations

    yield from registrations()


@hookimpl
def cad_alert_plans() -> Iterator[AlertPlan]:
    from cad_pagerduty import orgrouting

    yield AlertPlan(
        name="org-routing",
        plan=orgrouting.plan,
        check=orgrouting.check,
        description="moves each incident to its organisation's escalation policy",
    )


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    # Only `cad sandbox` calls this hook: a run never imports the simulator.
    from cad_pagerduty.sandbox import simulator

    yield simulator()
