"""A tiny programmable HTTP server for what the sandbox does not simulate.

It serves the recorded reference payloads (the sandbox builds its own cluster JSON), and
lets tests force token expiry, 401s, 429s and error bodies. Real ``requests`` talks to it
over loopback; nothing of cad-ocm is mocked.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

# Copies of the shared reference payloads; each has a .source.txt naming where it is from.
REFERENCE = Path(__file__).parent / "data"
Route = Callable[["Seen"], tuple[int, Any, dict[str, str]]]


def reference(name: str) -> dict[str, Any]:
    """A recorded payload, copied from the shared reference folder into ``data/``."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


class Seen:
    """One request as the server saw it."""

    def __init__(self, method: str, target: str, headers: Any, body: bytes) -> None:
        split = urlsplit(target)
        self.method = method
        self.path = split.path
        self.query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def bearer(self) -> str:
        return (self.headers.get("Authorization") or "").removeprefix("Bearer ")


class FakeServer:
    """Routes ``(method, path) -> handler``; an SSO token endpoint at ``/token``."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.seen: list[Seen] = []
        self.tokens: list[str] = []
        self.revoked: set[str] = set()
        self.expires_in: float | None = 900
        self.token_status = 200
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.handle_error = lambda request, address: None  # clients that gave up
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, kwargs={"poll_interval": 0.02}
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(
        self,
        method: str,
        path: str,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[(method, path)] = lambda seen: (status, body, headers or {})

    def handle(self, method: str, path: str, handler: Route) -> None:
        self.routes[(method, path)] = handler

    def calls(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        return [
            s
            for s in self.seen
            if s.path != "/token" and (method in (None, s.method)) and (path in (None, s.path))
        ]

    def token_calls(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/token"]

    def env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CAD_OCM_URL", self.url)
        monkeypatch.setenv("CAD_OCM_TOKEN_URL", self.url + "/token")
        monkeypatch.setenv("CAD_OCM_CLIENT_ID", "cad-test-client")
        monkeypatch.setenv("CAD_OCM_CLIENT_SECRET", "s3cr3t-value")
        monkeypatch.setenv("BACKPLANE_URL", self.url)

    def _issue(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if self.token_status != 200:
            return (
                self.token_status,
                {"error": "invalid_client", "error_description": "Invalid client credentials"},
                {},
            )
        with self._lock:
            token = f"token-{len(self.tokens) + 1}"
            self.tokens.append(token)
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return 200, body, {}

    def _answer(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if seen.path == "/token":
            return self._issue(seen)
        if seen.bearer not in self.tokens or seen.bearer in self.revoked:
            return (
                401,
                {
                    "kind": "Error",
                    "code": "CLUSTERS-MGMT-401",
                    "reason": "Bearer token is not valid",
                },
                {},
            )
        route = self.routes.get((seen.method, seen.path))
        if route is None:
            return (
                404,
                {
                    "kind": "Error",
                    "code": "CLUSTERS-MGMT-404",
                    "reason": f"no route {seen.method} {seen.path}",
                },
                {},
            )
        return route(seen)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each reply waits on delayed ACKs

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, self.headers, self.rfile.read(length))
                with fake._lock:
                    fake.seen.append(seen)
                status, body, headers = fake._answer(seen)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def ref() -> Callable[[str], dict[str, Any]]:
    return reference


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    server = FakeServer()
    server.thread.start()
    server.env(monkeypatch)
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def ocm_registry() -> Any:
    """The registry with cad-ocm loaded through its entry point, as a user's install."""
    from cad_core.plugins.registry import build_registry

    registry = build_registry(entry_points=True)
    assert registry.plugins["ocm"].status == "loaded", registry.plugins["ocm"].error
    return registry


CLUSTERS = "/api/clusters_mgmt/v1/clusters"
UNINSTALLING = "Operation is not allowed for a cluster in 'uninstalling' state"


def _search_terms(query: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)\s*(?:=|like)\s*'([^']*)'", query))


class OcmWorld:
    """OCM and backplane routes for reference clusters, with state that writes change."""

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self.clusters: list[dict[str, Any]] = []
        self.logs: dict[str, list[dict[str, Any]]] = {}
        self.reasons: dict[str, list[dict[str, Any]]] = {}
        self.protected: dict[str, bool] = {}
        self.reports: list[dict[str, Any]] = []
        self.list_report_data = False  # backplane's real list leaves data out
        fake.handle("GET", CLUSTERS, self._search)
        fake.handle("POST", "/api/service_logs/v1/cluster_logs", self._post_log)

    def add(
        self,
        cluster: dict[str, Any],
        *,
        pools: dict[str, Any] | None = None,
        labels: list[dict[str, str]] = (),
        logs: list[dict[str, Any]] = (),
        protected: bool = False,
    ) -> dict[str, Any]:
        cid, ext = cluster["id"], cluster["external_id"]
        path = f"{CLUSTERS}/{cid}"
        self.clusters.append(cluster)
        self.logs[cid] = list(logs)
        self.reasons[cid] = []
        fake = self.fake
        fake.route(
            "GET",
            f"{path}/machine_pools",
            body=pools or {"kind": "MachinePoolList", "page": 1, "size": 0, "total": 0},
        )
        fake.route(
            "GET",
            f"{path}/external_configuration/labels",
            body={"kind": "LabelList", "items": list(labels), "total": len(labels)},
        )
        fake.handle(
            "GET",
            f"/api/service_logs/v1/clusters/{ext}/cluster_logs",
            lambda seen: self._list_logs(cid, seen),
        )
        fake.handle(
            "GET",
            f"{path}/limited_support_reasons",
            lambda seen: (
                200,
                {
                    "kind": "LimitedSupportReasonList",
                    "items": self.reasons[cid],
                    "total": len(self.reasons[cid]),
                },
                {},
            ),
        )
        fake.handle(
            "POST", f"{path}/limited_support_reasons", lambda seen: self._post_reason(cluster, seen)
        )
        self.protected[cid] = protected
        fake.handle(  # answered per cluster: reads ahead ask it for each cluster's session
            "GET",
            "/api/access_transparency/v1/access_protection",
            lambda seen: (
                200,
                {"enabled": self.protected.get(seen.query.get("clusterId", ""), False)},
                {},
            ),
        )
        sub = cluster.get("subscription", {}).get("id")
        if sub:
            fake.route(
                "GET",
                f"/api/accounts_mgmt/v1/subscriptions/{sub}",
                body={
                    "id": sub,
                    "organization_id": f"org-{cid[:4]}",
                    "status": "Active",
                    "creator": {"kind": "Account", "id": f"acct-{cid[:4]}"},
                },
            )
            fake.route(
                "GET",
                f"/api/accounts_mgmt/v1/accounts/acct-{cid[:4]}",
                body={"id": f"acct-{cid[:4]}", "email": "owner@example.com", "username": "owner"},
            )
        self._backplane(cid)
        return cluster

    def _search(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        wanted = _search_terms(seen.query.get("search", "")).get("id", "")
        items = [
            c
            for c in self.clusters
            if wanted in (c.get("id"), c.get("external_id"), c.get("display_name"))
        ]
        return 200, {"kind": "ClusterList", "items": items, "total": len(items)}, {}

    def _list_logs(self, cid: str, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        terms = _search_terms(seen.query.get("search", ""))
        items = [
            entry
            for entry in self.logs[cid]
            if all(entry.get(key) == value for key, value in terms.items())
        ]
        items.sort(key=lambda entry: entry.get("timestamp", ""), reverse=True)  # newest first
        return 200, {"kind": "ClusterLogList", "items": items, "total": len(items)}, {}

    def _post_log(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        body = seen.json()
        entry = {
            **body,
            "id": f"log-{len(self.logs[body['cluster_id']])}",
            "timestamp": "2030-01-01T00:00:00Z",
        }
        self.logs[body["cluster_id"]].append(entry)
        return 201, entry, {}

    def _post_reason(self, cluster: dict[str, Any], seen: Seen) -> tuple[int, Any, dict]:
        if cluster.get("state") == "uninstalling":
            return 400, {"kind": "Error", "code": "CLUSTERS-MGMT-400", "reason": UNINSTALLING}, {}
        reason = {**seen.json(), "id": f"ls-{len(self.reasons[cluster['id']])}"}
        self.reasons[cluster["id"]].append(reason)
        return 201, reason, {}

    def _backplane(self, cid: str) -> None:
        fake = self.fake
        fake.route(
            "GET",
            f"/backplane/cloud/credentials/{cid}",
            body={
                "clusterID": cid,
                "region": "us-west-2",
                "credentials": json.dumps(
                    {
                        "AccessKeyID": "AKIAEXAMPLE",
                        "SecretAccessKey": "aws-secret",
                        "SessionToken": "tok",
                        "Region": "us-east-1",
                        "Expiration": "2030-01-01",
                    }
                ),
            },
        )
        fake.handle(
            "POST", f"/backplane/cluster/{cid}/reports", lambda seen: self._post_report(cid, seen)
        )
        fake.handle(
            "GET", f"/backplane/cluster/{cid}/reports", lambda seen: self._list_reports(cid)
        )
        fake.handle(
            "POST",
            f"/backplane/remediation/{cid}",
            lambda seen: (
                200,
                {
                    "proxy_uri": f"/backplane/remediate/{cid}/{seen.query['remediationName']}/",
                    "remediationInstanceId": "rem-1",
                },
                {},
            ),
        )
        fake.route("DELETE", f"/backplane/remediation/{cid}", body=None)

    def _post_report(self, cid: str, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        report = {
            **seen.json(),
            "report_id": f"rep-{len(self.reports) + 1}",
            "created_at": "2030-01-01T00:00:00Z",
        }
        self.reports.append({**report, "cluster_id": cid})
        self.fake.route(
            "GET", f"/backplane/cluster/{cid}/reports/{report['report_id']}", body=report
        )
        return 201, report, {}

    def _list_reports(self, cid: str) -> tuple[int, Any, dict[str, str]]:
        keep = ("report_id", "summary", "created_at") + (("data",) if self.list_report_data else ())
        listed = [{k: r[k] for k in keep} for r in self.reports if r["cluster_id"] == cid]
        return 200, {"cluster_id": cid, "reports": listed}, {}


@pytest.fixture
def world(fake: FakeServer) -> OcmWorld:
    return OcmWorld(fake)


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The remediation ledger of each test is its own, never the user's."""
    monkeypatch.setenv("CAD_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def fast_scenario_runs(fast_scenario_runs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """cad-sandbox's fixture, plus chgm's CloudTrail wait: whole runs need no real seconds."""
    monkeypatch.setenv("CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS", "1")
