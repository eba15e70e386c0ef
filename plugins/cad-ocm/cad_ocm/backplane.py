"""Backplane: cloud credentials, cluster reports and kube-API access through remediations.

Backplane accepts the same OCM access token, so these clients share the OCM client's
session and token cache.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from cad_core.errors import CadError, NotFoundError, PermanentError
from cad_core.run.shutdown import Terminated, shielded

from cad_ocm.grants import Grant, GrantLedger, ttl_seconds
from cad_ocm.http import ApiClient, json_body
from cad_ocm.kube import PAGE_SIZE, KubeClient
from cad_ocm.ocm import OcmClient

log = logging.getLogger("cad.ocm.backplane")


class BackplaneClient(ApiClient):
    def __init__(
        self, ocm: OcmClient, backplane_url: str, grants: GrantLedger | None = None
    ) -> None:
        super().__init__(backplane_url, ocm.tokens, ocm.session, service="backplane")
        self.grants = grants or GrantLedger()
        self._heartbeats: dict[str, Callable[[], None]] = {}  # instance id -> stop

    # -- cloud credentials -----------------------------------------------------------

    def cloud_credentials(self, cluster_id: str) -> dict[str, Any]:
        """The raw reply: ``credentials`` (a JSON string) and ``region``. Never log it."""
        return self.get(f"/backplane/cloud/credentials/{cluster_id}")

    # -- cluster reports -------------------------------------------------------------

    def reports_path(self, cluster_id: str) -> str:
        return f"/backplane/cluster/{cluster_id}/reports"

    def create_report(self, cluster_id: str, summary: str, data: str) -> str:
        """Store a report; returns its ``report_id``. Backplane answers 201 on success."""
        path = self.reports_path(cluster_id)
        body = {"summary": summary, "data": base64.b64encode(data.encode()).decode()}
        response = self.request("POST", path, json=body)
        what = f"backplane POST {path}"
        if response.status_code != 201:
            raise PermanentError(
                f"{what} answered HTTP {response.status_code} instead of 201: {response.text[:500]}"
            )
        report_id = json_body(response, what).get("report_id")
        if not isinstance(report_id, str) or not report_id:
            raise PermanentError(f"{what} created a report but returned no report_id")
        return report_id

    def report_contents(self, cluster_id: str) -> list[tuple[str, str]]:
        """(report id, decoded data) of the cluster's recent reports.

        The list endpoint may leave ``data`` out (backplane's API lists id, summary and
        time only); then each report is fetched by id.
        """
        path = self.reports_path(cluster_id)
        found = []
        for report in self.get(path).get("reports") or []:
            report_id = str(report.get("report_id", ""))
            data = report.get("data")
            if data is None and report_id:
                data = self.get(f"{path}/{report_id}").get("data")
            decoded = _decode(data)
            if decoded is not None:
                found.append((report_id, decoded))
        return found

    # -- kube API through a remediation ----------------------------------------------

    def open_remediation(
        self,
        cluster_id: str,
        remediation: str,
        page_size: int = PAGE_SIZE,
        *,
        managing_cluster: str = "",
    ) -> KubeClient:
        """Open a remediation and a kube client through it, after removing what killed runs
        left for this cluster (both kinds). ``managing_cluster="management"`` opens it on
        the management cluster of an HCP cluster instead (``cluster_id`` is the hosted
        cluster's id)."""
        self.remove_abandoned_remediations(cluster_id)
        path = f"/backplane/remediation/{cluster_id}"
        params = {"remediationName": remediation, **_managing(managing_cluster)}
        opened: list[str] = []
        try:
            # A SIGTERM waits until the grant is written down: cut short between the POST
            # and the ledger, the run would leave a grant nobody can find.
            with shielded():
                response = self.request("POST", path, params=params)
                body = json_body(response, f"backplane POST {path}")
                opened.append(str(body.get("remediationInstanceId") or ""))
                if opened[0]:  # written down first: a run killed from here on leaves a trace
                    self._write_down(cluster_id, opened[0], remediation, managing_cluster)
        except Terminated:
            if opened and opened[0]:
                self.delete_remediation(cluster_id, opened[0], managing_cluster)
            raise
        instance, proxy_uri = opened[0], body.get("proxy_uri")
        if not isinstance(proxy_uri, str) or not proxy_uri:
            if instance:
                self.delete_remediation(cluster_id, instance, managing_cluster)
            where = f" ({managing_cluster})" if managing_cluster else ""
            raise PermanentError(f"backplane POST {path}{where} returned no proxy_uri")
        return KubeClient(
            self, cluster_id, remediation, proxy_uri, instance, page_size, managing_cluster
        )

    def _write_down(
        self, cluster_id: str, instance: str, remediation: str, managing_cluster: str
    ) -> None:
        now = self.grants.clock()
        grant = Grant(
            cluster_id,
            instance,
            remediation,
            now + ttl_seconds(),
            created=now,
            managing_cluster=managing_cluster,
        )
        self.grants.record(grant)
        self._heartbeats[instance] = self.grants.keep_alive(grant)

    def delete_remediation(
        self, cluster_id: str, instance_id: str, managing_cluster: str = ""
    ) -> None:
        """Delete a remediation (already gone is fine) and its ledger entry; one on the
        management cluster needs ``managing_cluster`` on the delete too."""
        params = {"remediationInstanceId": instance_id, **_managing(managing_cluster)}
        with contextlib.suppress(NotFoundError):
            self.delete(f"/backplane/remediation/{cluster_id}", params)
        stop_heartbeat = self._heartbeats.pop(instance_id, None)
        if stop_heartbeat is not None:
            stop_heartbeat()
        self.grants.forget(cluster_id, instance_id, managing_cluster)

    def remove_abandoned_remediations(self, cluster_id: str) -> None:
        """Delete what earlier, killed runs left for this cluster, on it and on its management
        cluster; failures are only logged."""
        for grant in self.grants.abandoned(cluster_id):
            log.warning(
                "removing remediation %s (%s) left on %s by run %s, which is gone",
                grant.instance_id,
                grant.name,
                grant.place,
                grant.owner,
            )
            try:
                self.delete_remediation(cluster_id, grant.instance_id, grant.managing_cluster)
            except CadError as error:  # the next run tries again; this one goes on
                log.warning("could not remove remediation %s: %s", grant.instance_id, error)


def _managing(managing_cluster: str) -> dict[str, str]:
    """Backplane's query parameter naming the cluster a remediation is on, if not its own."""
    return {"managingCluster": managing_cluster} if managing_cluster else {}


def _decode(data: object) -> str | None:
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
