"""Backplane: cloud credentials, remediations (the kube proxy's doorway), cluster reports;
plus the egress verdict the fake network verifier fetches from the same host."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import timedelta
from typing import Any

from cad_core.plugins.simwire import (
    HttpProblem,
    Request,
    Response,
    Router,
    json_response,
    segment,
)

from cad_ocm.sandbox.aws_scenario import AWS_ACCOUNT, REGION
from cad_ocm.sandbox.ocm import ocm_error
from cad_ocm.sandbox.ocm_payloads import timestamp
from cad_ocm.sandbox.state import ClusterState, StateSimulator, utc_now

PROXY_PREFIX = "/backplane/remediation-proxy/"
ROLE_DENIED = (
    "could not assume support role in customer's account: AccessDenied: User: "
    f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/RH-Technical-Support-Access is not authorized "
    "to perform: sts:AssumeRole"
)


class BackplaneSimulator(StateSimulator):
    def add_routes(self, router: Router) -> None:
        cluster = segment("cluster_id")
        router.add("GET", f"/backplane/cloud/credentials/{cluster}", self.cloud_credentials)
        router.add("POST", f"/backplane/remediation/{cluster}", self.create_remediation)
        router.add("DELETE", f"/backplane/remediation/{cluster}", self.delete_remediation)
        router.add("POST", f"/backplane/cluster/{cluster}/reports", self.create_report)
        router.add("GET", f"/backplane/cluster/{cluster}/reports", self.list_reports)
        router.add(
            "GET", f"/backplane/cluster/{cluster}/reports/{segment('report_id')}", self.get_report
        )

    def handle(self, request: Request) -> Response:
        token = request.bearer_token()
        if token is None or not self.state.token_is_issued(token):
            return ocm_error(request, 401, "Request doesn't contain a valid access token")
        return super().handle(request)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        return json_response(status, {"statusCode": status, "message": message})

    def cloud_credentials(self, request: Request, cluster_id: str) -> Response:
        self._cluster(cluster_id)
        aws = getattr(self.state.scenario, "aws", None)  # the AWS simulator's section
        if aws is not None and aws.credentials == "denied":
            raise HttpProblem(403, ROLE_DENIED)
        expires = utc_now() + timedelta(hours=1)
        credentials = {
            "AccessKeyID": "ASIA" + secrets.token_hex(8).upper(),
            "SecretAccessKey": secrets.token_urlsafe(30),
            "SessionToken": secrets.token_urlsafe(60),
            "Region": REGION,
            "Expiration": timestamp(expires),
        }
        body = {
            "cluster_id": cluster_id,
            "console_link": "",
            "region": REGION,
            "credentials": json.dumps(credentials),
        }
        return json_response(200, body)

    def create_remediation(self, request: Request, cluster_id: str) -> Response:
        if not request.param("remediationName"):
            raise HttpProblem(400, "remediationName is required")
        cluster = self._cluster(cluster_id)
        management = request.param("managingCluster") == "management"
        if management and not cluster.seed.hcp:
            raise HttpProblem(400, f"cluster {cluster_id} is not a hosted cluster")
        kube = self.state.scenario.management_kube if management else self.state.scenario.kube
        if kube.api == "unavailable":
            raise HttpProblem(503, "the cluster's API server is unavailable")
        instance_id = self.world.next_id("remediation-")
        with self.world.lock:
            self.state.remediations[instance_id] = cluster_id
            if management:
                self.state.management_remediations.add(instance_id)
        body = {"proxy_uri": f"{PROXY_PREFIX}{instance_id}", "remediationInstanceId": instance_id}
        return json_response(200, body)

    def delete_remediation(self, request: Request, cluster_id: str) -> Response:
        instance_id = request.param("remediationInstanceId")
        if not instance_id:
            raise HttpProblem(400, "remediationInstanceId is required")
        management = request.param("managingCluster") == "management"
        with self.world.lock:
            # Backplane looks on the cluster the parameter names: a management remediation
            # deleted without it (or the cluster's own with it) is not found there.
            if (
                self.state.remediations.get(instance_id) != cluster_id
                or (instance_id in self.state.management_remediations) != management
            ):
                raise HttpProblem(404, f"remediation instance {instance_id} not found")
            del self.state.remediations[instance_id]
            self.state.management_remediations.discard(instance_id)
        return json_response(200, {"message": f"remediation instance {instance_id} deleted"})

    def create_report(self, request: Request, cluster_id: str) -> Response:
        body = request.json_object()
        summary, encoded = body.get("summary"), body.get("data")
        if not isinstance(summary, str) or not summary or not isinstance(encoded, str):
            raise HttpProblem(400, "a report needs a summary and base64 data")
        try:
            data = base64.b64decode(encoded, validate=True).decode("utf-8", "replace")
        except binascii.Error:
            raise HttpProblem(400, "data is not valid base64") from None
        self._cluster(cluster_id)
        report = {
            "report_id": self.world.next_id("report-"),
            "cluster_id": cluster_id,
            "summary": summary,
            "data": data,
            "created_at": timestamp(utc_now()),
        }
        with self.world.lock:
            self.state.reports.append(report)
        created = {k: report[k] for k in ("report_id", "cluster_id", "summary", "created_at")}
        return json_response(201, created)

    def list_reports(self, request: Request, cluster_id: str) -> Response:
        self._cluster(cluster_id)
        with self.world.lock:
            reports = [_report_json(r) for r in self.state.reports if r["cluster_id"] == cluster_id]
        return json_response(200, {"reports": reports})

    def get_report(self, request: Request, cluster_id: str, report_id: str) -> Response:
        with self.world.lock:
            found = [
                r
                for r in self.state.reports
                if r["cluster_id"] == cluster_id and r["report_id"] == report_id
            ]
        if not found:
            raise HttpProblem(404, f"report {report_id} not found")
        return json_response(200, {"cluster_id": cluster_id, **_report_json(found[0])})

    def _cluster(self, cluster_id: str) -> ClusterState:
        cluster = self.state.cluster(cluster_id)
        if cluster is None:
            raise HttpProblem(404, f"cluster {cluster_id} not found")
        return cluster


def _report_json(report: dict[str, Any]) -> dict[str, Any]:
    encoded = base64.b64encode(report["data"].encode()).decode()
    return {
        "report_id": report["report_id"],
        "summary": report["summary"],
        "data": encoded,
        "created_at": report["created_at"],
    }


class EgressSimulator(StateSimulator):
    """The scenario's egress verdict, for ``python -m cad_sandbox.fake_verifier``."""

    def add_routes(self, router: Router) -> None:
        router.add("GET", "/egress", self.verdict)

    def error(self, request: Request, status: int, message: str, **details: Any) -> Response:
        return json_response(status, {"error": message})

    def verdict(self, request: Request) -> Response:
        egress = self.state.scenario.egress
        body: dict[str, Any] = {"result": egress.result, "unreachable": list(egress.unreachable)}
        if egress.result == "error":
            body["detail"] = (
                "the scenario asks for a verifier that cannot run (egress.result: error)"
            )
        return json_response(200, body)
