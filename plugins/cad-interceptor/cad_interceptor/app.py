"""The interceptor as WSGI applications (served by waitress, see server.py).

Protocol: Tekton's InterceptorRequest ``{"body": "<webhook>", "header": {name: [values]}}``
in, InterceptorResponse ``{"continue": bool, "extensions": {...}, "status": {...}}`` out.

Only ``POST /`` is a webhook. Its request thread does only cheap, bounded work: read the
envelope (see envelope.py), have the alert sources verify the raw webhook bytes, and
hand the rest (parsing, which may call the source's API, routing, escalating) to the
bounded delivery pool (see deliveries.py), waiting a few seconds for the answer.
``/ready`` and ``/metrics`` are also served by :meth:`Interceptor.health` on a port of
their own, which no webhook, slow client or slow API can block; its ``/ready`` asks the
webhook port for its own ``/ready``, so probes see a webhook port that stopped answering.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import attrs
from cad_core.config.routes import RoutingConfig, experimental_enabled
from cad_core.errors import BadInputError, CadError, TransientError, one_line
from cad_core.logs import redact
from cad_core.plan.actions import EscalateIncident
from cad_core.plugins.registrations import AlertSource, Verdict
from cad_core.plugins.registry import Registry
from cad_core.run.alertplans import check_alert_plans, run_alert_plans
from cad_core.run.context import Alert, Resources, RunInfo
from cad_core.run.record import RunRecord
from cad_core.settings import RunSettings, number

from cad_interceptor import settings as interceptor_settings
from cad_interceptor.deliveries import CLAIMED_BEFORE, Answer, Deliveries, delivery_key
from cad_interceptor.envelope import MAX_BODY, unwrap
from cad_interceptor.http import HttpError, StartResponse, reply
from cad_interceptor.replay import replay_settings, replay_store
from cad_interceptor.server import probe

log = logging.getLogger("cad.interceptor")
INVALID_ARGUMENT = 3  # gRPC status codes, as Tekton expects
WEBHOOK_PATH = "/"
HANDLED = {"continue": False, "status": {}}

__all__ = ["MAX_BODY", "Interceptor"]


class Interceptor:
    def __init__(
        self,
        registry: Registry,
        config: RoutingConfig,
        settings: RunSettings | None = None,
        deliveries: Deliveries | None = None,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter

        self.registry, self.config = registry, config
        base = settings or RunSettings.from_env()
        # The work of one webhook is bounded: senders wait a few seconds, and retry on 5xx.
        budget = number(interceptor_settings.WORK)
        self.settings = attrs.evolve(
            base, retry=attrs.evolve(base.retry, deadline=min(base.retry.deadline, budget))
        )
        self.answer_within = number(interceptor_settings.ANSWER)
        window, max_keys = replay_settings()
        check_alert_plans(registry)  # bad settings (an org mapping) fail here, not per request
        self.metrics = CollectorRegistry()
        self.replay_full = Counter(
            "cad_interceptor_replay_store_full_total",
            "New webhooks refused (503) because the replay window held its most keys",
            registry=self.metrics,
        )
        self.log_dropped = Counter(
            "cad_interceptor_log_records_dropped_total",
            "Log records dropped because the log output was not read fast enough",
            registry=self.metrics,
        )
        self.deliveries = deliveries or Deliveries(
            window_seconds=window,
            max_keys=max_keys,
            claims=replay_store(registry, window),
            on_full=self.replay_full.inc,
        )
        self.webhook_address: tuple[str, int] | None = None  # set once it listens
        self.requests = Counter(
            "cad_interceptor_requests_total", "Interceptor requests", registry=self.metrics
        )
        self.errors = Counter(
            "cad_interceptor_errors_total",
            "Interceptor HTTP errors",
            ["error_code", "reason"],
            registry=self.metrics,
        )
        self.replays = Counter(
            "cad_interceptor_replays_total",
            "Webhooks already handled within the replay window",
            registry=self.metrics,
        )

    # -- WSGI entry points -----------------------------------------------------

    def health(self, environ: Mapping[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """``/ready`` (which asks the webhook port, at most 1.5 s) and ``/metrics``: neither
        waits on a webhook's work or an outside API."""
        path = environ.get("PATH_INFO", "")
        if path == "/ready":
            # Ready means webhooks are answered: ask the webhook port itself (issue 22.4).
            why = probe(*self.webhook_address) if self.webhook_address else ""
            if why:
                log.error("not ready: %s", why)
                return reply(
                    start_response, "503 Service Unavailable", f"{why}\n".encode(), "text/plain"
                )
            return reply(start_response, "200 OK", b"", "text/plain")
        if path == "/metrics":
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            body = generate_latest(self.metrics)
            return reply(start_response, "200 OK", body, CONTENT_TYPE_LATEST)
        return reply(start_response, "404 Not Found", b"not found\n", "text/plain")

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/ready" and method in ("GET", "HEAD"):  # the health port's probe of us
            return reply(start_response, "200 OK", b"", "text/plain")
        if path == "/metrics" and method in ("GET", "HEAD"):
            return self.health(environ, start_response)
        self.requests.inc()
        try:
            if path != WEBHOOK_PATH:
                raise HttpError("404 Not Found", "not found", f"only {WEBHOOK_PATH} takes webhooks")
            if method != "POST":
                raise HttpError("405 Method Not Allowed", "method not allowed", "use POST")
            answer = self.webhook(environ)
        except HttpError as error:
            self.errors.labels(error_code=error.status.split()[0], reason=error.reason).inc()
            level = logging.ERROR if error.status.startswith("5") else logging.WARNING
            log.log(level, "answered %s: %s", error.status, error)
            body = f"{redact(str(error))}\n".encode()  # errors of clients can quote secrets
            extra = (("Allow", "POST"),) if error.status.startswith("405") else error.headers
            return reply(start_response, error.status, body, "text/plain", extra)
        except Exception as error:  # never let a bug take the front door down
            log.exception("interceptor failed")
            self.errors.labels(error_code="500", reason="internal error").inc()
            body = f"internal error: {redact(one_line(error))}\n".encode()
            return reply(start_response, "500 Internal Server Error", body, "text/plain")
        return reply(start_response, "200 OK", json.dumps(answer).encode(), "application/json")

    # -- one webhook -----------------------------------------------------------

    def webhook(self, environ: Mapping[str, Any]) -> Answer:
        raw = _read_body(environ)
        body, headers = unwrap(raw)
        del raw  # the envelope is not kept while the body is verified and handled
        return self.intercept(body, headers)

    def intercept(self, body: bytes, headers: Mapping[str, Sequence[str]]) -> Answer:
        source, verdict = self.verify(headers, body)
        key = delivery_key(source.name, verdict.delivery_id, body)
        future, first = self.deliveries.submit(key, lambda: self.handle(source, body))
        try:
            answer = future.result(timeout=self.answer_within)
        except FutureTimeout:  # the work goes on; a redelivery finds it by its key
            raise HttpError(
                "503 Service Unavailable",
                "still working",
                "the webhook is being handled; retry later",
                (("Retry-After", "5"),),
            ) from None
        except (CadError, ConnectionError, TimeoutError) as error:
            # Transient (the retries ran out): answer 503 so the sender delivers it again.
            self.deliveries.forget(key)
            wait = getattr(error, "retry_after", None) or 5  # the server's wish, if it said
            raise HttpError(
                "503 Service Unavailable",
                "temporary failure",
                one_line(error),
                (("Retry-After", str(max(1, math.ceil(wait)))),),
            ) from None
        except Exception:
            self.deliveries.forget(key)
            raise
        if answer is CLAIMED_BEFORE:
            self.replays.inc()
            return dict(HANDLED)
        if answer.get("continue"):
            if self.deliveries.claim_continue(key):
                return answer
            self.replays.inc()
            log.info("webhook %s was already handled: no second run", key)
            return dict(HANDLED)
        if not first:
            self.replays.inc()
        return answer

    def verify(
        self, headers: Mapping[str, Sequence[str]], body: bytes
    ) -> tuple[AlertSource, Verdict]:
        """The first alert source that verifies the request; else 400 with every reason."""
        reasons = []
        for name, source in self.registry.alert_sources().items():
            if source.verify is None:
                continue
            try:
                verdict = source.verify(headers, body)
            except Exception as error:  # a broken verifier rejects; it never accepts
                log.exception("alert source %s failed to verify a request", name)
                verdict = Verdict(accepted=False, reason=f"verification failed: {one_line(error)}")
            if verdict.accepted:
                return source, verdict
            reasons.append(f"{name}: {verdict.reason or 'not accepted'}")
        detail = "; ".join(reasons) or "no installed alert source verifies requests"
        raise HttpError("400 Bad Request", "signature verification failed", detail)

    def handle(self, source: AlertSource, body: bytes) -> Answer:
        """Runs in the delivery pool: parse, route, and escalate what has no chain."""
        from cad_core.plan.engine.retry import Deadline, call_with_retry
        from cad_core.run.payload import shape_problem

        problem = shape_problem(body)  # signed is not the same as cheap to parse
        if problem:
            return _invalid(f"cannot read the alert: the webhook has {problem}")
        policy = self.settings.retry
        try:
            alert = call_with_retry(
                lambda: source.parse(body), policy, Deadline(policy.deadline), source.name
            )
        except BadInputError as error:
            return _invalid(f"cannot read the alert: {one_line(error)}")
        if alert is None:
            return _invalid(f"the {source.name} alert source does not recognise the webhook")
        if alert.resolved:
            log.info("incident %s is already resolved: no run, no escalation", alert.id)
            return dict(HANDLED)
        if alert.ignored:  # answered 200, so the sender does not retry it
            log.info("incident %s: %s: no run, no escalation", alert.id, alert.ignored)
            return dict(HANDLED)
        if self.config.match(alert.title, experimental_enabled()) is not None:
            log.info("incident %s (%r) has a chain: continuing", alert.id, alert.title)
            payload = base64.b64encode(body).decode()
            return {"continue": True, "extensions": {"payload_base64": payload}, "status": {}}
        self.escalate_unhandled(alert)
        return dict(HANDLED)

    def escalate_unhandled(self, alert: Alert) -> None:
        from cad_core.run.chains import no_automation_note
        from cad_core.run.runner import Run

        log.info("incident %s (%r) has no chain: escalating", alert.id, alert.title)
        record = RunRecord(mode="incident", alert=alert)
        info = RunInfo("incident", alert.cluster_id, alert)
        resources = Resources(self.registry.resources(), run=info)
        run = Run(self.registry, self.config, self.settings, record, resources)
        try:
            # Matched alerts get their alert plans (org routing) from the `cad run` they
            # continue to; these do not.
            run_alert_plans(run)
            run.escalate(no_automation_note(alert), "CAD has no automation for this alert")
        finally:
            resources.close()
            run.metrics.flush()
        failed = [o for o in record.actions if o.error]
        for outcome in failed:
            log.error(
                "escalating incident %s: %s failed: %s", alert.id, outcome.type, outcome.error
            )
        # A failed alert plan (an org-policy move) is noted and the run goes on; only a
        # failed hand-over to people makes the sender retry (idempotency makes that safe).
        if any(o.type == EscalateIncident.type_id and not o.status.in_effect for o in failed):
            raise TransientError(f"escalating incident {alert.id} failed; retry")

    def close(self) -> None:
        self.deliveries.shutdown()


def _invalid(message: str) -> Answer:
    return {"continue": False, "status": {"code": INVALID_ARGUMENT, "message": redact(message)}}


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
