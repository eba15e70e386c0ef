"""The ``cad interceptor`` command: serve the webhook port and the health port."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--health-port",
    default=8081,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of /ready and /metrics, which no webhook can block.",
)
@click.option("--config", help="Routing config (default: $CAD_INVESTIGATION_CONFIG_PATH).")
@click.option("--log-level", "-l", help="debug, info, warn, error (default: $LOG_LEVEL or info).")
def interceptor(
    host: str, port: int, health_port: int, config: str | None, log_level: str | None
) -> None:
    """Serve the Tekton interceptor: verify webhooks, route them, escalate the rest."""
    from cad_core.logs import setup_logging
    from cad_core.plugins.declared import check_settings
    from cad_core.plugins.registry import get_registry
    from cad_core.run.app import check_plugins, load_routing

    from cad_interceptor.app import Interceptor
    from cad_interceptor.logpipe import LogPipe
    from cad_interceptor.server import make_server, serve_forever

    setup_logging(log_level)
    registry = get_registry()
    check_settings(registry, "interceptor")
    routing = load_routing(registry, config, required=True)
    check_plugins(registry, routing)
    app = Interceptor(registry, routing)
    pipe = LogPipe(app.log_dropped.inc)  # a stuck log reader never stops the port
    try:
        server = make_server(app, host, port)
        app.webhook_address = (host, server.effective_port)
        health = make_server(app.health, host, health_port)
        serve_forever(server, health)
    finally:
        app.close()
        pipe.close()
