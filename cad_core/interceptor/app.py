"""The interceptor as a WSGI application (served by waitress, see server.py).

Protocol: Tekton's InterceptorRequest ``{"body": "<webhook>", "header": {name: [values]}}``
in, InterceptorResponse ``{"continue": bool, "extensions": {...}, "status": {...}}`` out.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cad_core.config import RoutingConfig, experimental_enabled
from cad_core.context import Alert, Resources
from cad_core.errors import CadError, one_line
from cad_core.interceptor.signature import HEADER, SignatureError, verify
from cad_core.orgrouting import load_mapping, route_to_org_policy
from cad_core.plugins import Registry
from cad_core.record import RunRecord
from cad_core.settings import RunSettings

log = logging.getLogger("cad.interceptor")
MAX_BODY = 5 * 1024 * 1024
INVALID_ARGUMENT = 3  # gRPC status codes, as Tekton expects

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class HttpError(Exception):
    def __init__(self, status: str, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.status, self.reason, self.detail = status, reason, detail


class Interceptor:
    def __init__(
        self,
        registry: Registry,
        config: RoutingConfig,
        secrets: list[str],
        settings: RunSettings | None = None,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter

        self.registry, self.config, self.secrets = registry, config, secrets
        load_mapping()  # a bad CAD_ORG_POLICY_MAPPING fails at start-up, not per request
        self.settings = settings or RunSettings.from_env()
        self.metrics = CollectorRegistry()
        self.requests = Counter(
            "cad_interceptor_requests_total", "Interceptor requests", registry=self.metrics
        )
        self.errors = Counter(
            "cad_interceptor_errors_total",
            "Interceptor HTTP errors",
            ["error_code", "reason"],
            registry=self.metrics,
        )

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/ready":
            return _reply(start_response, "200 OK", b"", "text/plain")
        if path == "/metrics":
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            return _reply(
                start_response, "200 OK", generate_latest(self.metrics), CONTENT_TYPE_LATEST
            )
        self.requests.inc()
        try:
            answer = self.intercept(_read_body(environ))
        except HttpError as error:
            self.errors.labels(error_code=error.status.split()[0], reason=error.reason).inc()
            log.warning("rejected a request: %s", error)
            return _reply(start_response, error.status, f"{error}\n".encode(), "text/plain")
        except Exception as error:  # never let a bug take the front door down
            log.exception("interceptor failed")
            self.errors.labels(error_code="500", reason="internal error").inc()
            body = f"internal error: {one_line(error)}\n".encode()
            return _reply(start_response, "500 Internal Server Error", body, "text/plain")
        return _reply(start_response, "200 OK", json.dumps(answer).encode(), "application/json")

    def intercept(self, raw: bytes) -> dict[str, Any]:
        body, headers = _unwrap(raw)
        try:
            verify(body, _header(headers, HEADER), self.secrets)
        except SignatureError as error:
            raise HttpError(
                "400 Bad Request", "signature verification failed", str(error)
            ) from None
        try:
            from cad_core.app import parse_alert

            alert = parse_alert(self.registry, body, self.settings)
        except CadError as error:
            return {
                "continue": False,
                "status": {
                    "code": INVALID_ARGUMENT,
                    "message": f"cannot read the alert: {one_line(error)}",
                },
            }
        if self.config.match(alert.title, experimental_enabled()) is not None:
            log.info("incident %s (%r) has a chain: continuing", alert.id, alert.title)
            return {
                "continue": True,
                "extensions": {"payload_base64": base64.b64encode(body).decode()},
                "status": {},
            }
        self.escalate_unhandled(alert)
        return {"continue": False, "status": {}}

    def escalate_unhandled(self, alert: Alert) -> None:
        from cad_core.runner import Run, no_automation_note

        log.info("incident %s (%r) has no chain: escalating", alert.id, alert.title)
        record = RunRecord(mode="incident", alert=alert)
        resources = Resources(self.registry.resources(), cluster_id=alert.cluster_id, alert=alert)
        run = Run(self.registry, self.config, self.settings, record, resources)
        try:
            # Matched alerts are routed by the `cad run` they continue to; these are not.
            route_to_org_policy(run)
            run.escalate(no_automation_note(alert), "CAD has no automation for this alert")
        finally:
            resources.close()
            run.metrics.flush()
        failed = [o for o in record.actions if o.error]
        for outcome in failed:  # the response is the same either way; the log tells
            log.error(
                "escalating incident %s: %s failed: %s", alert.id, outcome.type, outcome.error
            )


def _read_body(environ: Mapping[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    try:
        data: bytes = stream.read(MAX_BODY + 1)
    except OSError as error:
        raise HttpError("500 Internal Server Error", "cannot read the body", str(error)) from None
    if len(data) > MAX_BODY:
        raise HttpError(
            "413 Request Entity Too Large", "body too large", f"the limit is {MAX_BODY} bytes"
        )
    return data


def _unwrap(raw: bytes) -> tuple[bytes, Mapping[str, Any]]:
    try:
        outer = json.loads(raw)
    except ValueError as error:  # bad JSON, bad UTF-8, or an integer too long to convert
        raise HttpError("400 Bad Request", "invalid interceptor request", str(error)) from None
    except RecursionError:
        raise HttpError(
            "400 Bad Request", "invalid interceptor request", "nested too deeply"
        ) from None
    if not isinstance(outer, dict) or not isinstance(outer.get("body"), str):
        raise HttpError(
            "400 Bad Request",
            "invalid interceptor request",
            "expected a JSON object with a string 'body' and a 'header' map",
        )
    headers = outer.get("header", {})
    if not isinstance(headers, dict):
        raise HttpError("400 Bad Request", "invalid interceptor request", "'header' must be a map")
    return outer["body"].encode(), headers


def _header(headers: Mapping[str, Any], name: str) -> list[str]:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


def _reply(
    start_response: StartResponse, status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
