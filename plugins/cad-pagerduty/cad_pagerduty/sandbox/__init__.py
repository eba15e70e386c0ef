"""cad-pagerduty's simulator for ``cad sandbox``: the REST API v2 behind the incident, and
the webhook PagerDuty delivers for it (v3 or Event Orchestration).

Declared through ``cad_sandbox_simulators``; only the sandbox calls that hook, so a run
never imports this package. Nothing here imports cad-sandbox.
"""

from __future__ import annotations

from cad_core.plugins.simulation import SandboxSimulator


def is_write(method: str, _path: str) -> bool:
    return method not in ("GET", "HEAD", "OPTIONS")


def simulator() -> SandboxSimulator:
    from cad_pagerduty.sandbox import report, rest, state, webhook
    from cad_pagerduty.sandbox.scenario import PagerDuty

    return SandboxSimulator(
        name="pagerduty",
        description="PagerDuty REST API v2: the incident, its alerts and notes, updates",
        sections={"pagerduty": PagerDuty | None},
        seed=state.seed,
        hosts=rest.hosts,
        services={"pagerduty": "pagerduty"},
        render=state.render,
        describe=report.describe,
        exports=rest.exported_settings,
        is_write=is_write,
        webhook=webhook.webhook_body,
        outcomes=report.incident_fates,
        writes={"incident_note": report.incident_notes},
    )
