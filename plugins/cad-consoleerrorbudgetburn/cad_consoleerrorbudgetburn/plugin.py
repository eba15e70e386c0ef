"""Hook implementations only: the investigation's logic and simulators live in sibling
modules, imported when called."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, SandboxSimulator, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_consoleerrorbudgetburn.investigation import run

    yield Investigation(
        name="consoleerrorbudgetburn",
        run=run,
        description=(
            "Console error budget burn: checks the IngressController's allowedSourceRanges and "
            "the Route53 *.apps records (either tells the customer and silences), then the "
            "DNS operator, router and console pods, their nodes, DHCP options and egress"
        ),
        default_route=DefaultRoute(alert_titles=("console-ErrorBudgetBurn",)),
        prefetch=("cluster", "kube", "aws_sdk", "aws_session"),
    )


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    from cad_consoleerrorbudgetburn import simulators

    yield from simulators.registrations()
