"""The etcdDatabaseQuotaLowSpace decision table
(docs/investigations/etcddatabasequotalowspace.md).

Classic clusters: a Job on an etcd member's node snapshots etcd and analyses the
snapshot; its log becomes a cluster report of what fills etcd. HCP clusters: the same Job
runs on the management cluster, next to the hosted etcd (its log is left on the
management cluster, as upstream leaves it). Every failure on the way is noted and
escalated; a finished analysis silences a warning-severity alert and escalates a critical
one.
"""

from __future__ import annotations

from typing import Any

from cad_core import (
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    InvestigationContext,
    InvestigationResult,
    SilenceIncident,
)
from cad_core.errors import CadError, InfrastructureError, ResourceError, one_line, retryable
from cad_core.plan.helpers import report_and_note
from cad_core.settings import number, setting

from cad_etcddatabasequotalowspace import analysis, jobs
from cad_etcddatabasequotalowspace.plugin import ANALYSIS_TIMEOUT, OCTOSQL_IMAGE

IMAGE_SETTING = "CAD_OCTOSQL_IMAGE"
DEFAULT_IMAGE = "quay.io/redhat_emp1/octosql-etcd:f1c13b27"  # upstream's deployment default
TIMEOUT_SETTING = "CAD_ETCD_ANALYSIS_TIMEOUT_SECONDS"
REPORT_SUMMARY = "CAD Investigation: Analysis of etcd storage utilization"
ETCD_NAMESPACE = "openshift-etcd"


class Stop(Exception):
    """Ends the investigation with the notes so far and an escalation for ``reason``."""

    def __init__(self, warning: str, reason: str) -> None:
        super().__init__(warning)
        self.warning, self.reason = warning, reason


def run(ctx: InvestigationContext) -> InvestigationResult:
    cluster = ctx.resource("cluster")
    cluster_id = str(cluster.get("id") or ctx.cluster_id)
    hcp = bool((cluster.get("hypershift") or {}).get("enabled"))
    try:
        client = _client(ctx, hcp)
    except ResourceError as error:
        where = "the management cluster" if hcp else "the cluster's kube API"
        ctx.notes.warning(f"CAD could not reach {where}: {one_line(error.cause)}")
        return InvestigationResult(
            [
                IncidentNote(content=ctx.notes.text()),
                EscalateIncident(reason=f"{where} unreachable"),
            ]
        )
    try:
        finished = _hcp(ctx, client, cluster_id) if hcp else _classic(ctx, client)
    except Stop as stop:
        ctx.notes.warning(stop.warning)
        return InvestigationResult(
            [*report_and_note(ctx, cluster_id), EscalateIncident(reason=stop.reason)]
        )
    plan: list[Any] = [*report_and_note(ctx, cluster_id), *finished]
    kind = "HCP etcd" if hcp else "etcd"
    if _warning(ctx):
        plan.append(SilenceIncident(reason=f"{kind} warning: analysed, see the cluster report"))
    else:
        plan.append(EscalateIncident(reason=f"{kind} critical: analysed, see the cluster report"))
    return InvestigationResult(plan)


def _client(ctx: InvestigationContext, hcp: bool) -> Any:
    if hcp:
        return ctx.resource("management_cluster")
    return ctx.resource("kube")


def _warning(ctx: InvestigationContext) -> bool:
    """A warning-severity alert says so in its title (upstream's test)."""
    alert = ctx.run.alert
    return alert is not None and "WARNING" in alert.title.upper()


def _call(what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Transient failures retry the investigation (as upstream); others stop it."""
    try:
        return call(*args, **kwargs)
    except CadError as error:
        if retryable(error):
            raise InfrastructureError(f"{what}: {one_line(error)}", context=what) from error
        raise Stop(
            f"{what} failed: {one_line(error)}", f"{what} failed: please investigate"
        ) from error


def _member(ctx: InvestigationContext, kube: Any, namespace: str) -> dict[str, Any]:
    def pods(selector: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _call(
            "listing etcd pods",
            kube.list_objects,
            "v1",
            "pods",
            namespace=namespace,
            label_selector=selector,
        )
        return found

    pod = jobs.running_etcd_pod(pods)
    if pod is None:
        raise Stop(
            f"No running etcd pod in {namespace} (labels k8s-app=etcd or app=etcd)",
            "No running etcd pod was found: please investigate",
        )
    ctx.notes.line(
        f"etcd member: pod {pod['metadata']['name']} on node "
        f"{(pod.get('spec') or {}).get('nodeName') or '(unknown)'}"
    )
    return pod


def _classic(ctx: InvestigationContext, kube: Any) -> list[Any]:
    ctx.notes.success("Classic cluster: analysing a snapshot of its etcd")
    pod = _member(ctx, kube, ETCD_NAMESPACE)
    name = jobs.job_name()
    job = jobs.classic_job(name, pod, _image())
    if job is None:
        raise Stop(
            f"etcd pod {pod['metadata']['name']} has no {jobs.CLASSIC_ETCDCTL_CONTAINER} "
            "container to take the snapshot with",
            "The etcd snapshot could not be taken: please investigate",
        )
    if not _run_job(ctx, kube, job, ETCD_NAMESPACE):
        return []
    text = _job_log(kube, name)
    result = analysis.parse(text)
    if result.empty:
        raise Stop(
            f"The analysis Job {name} printed no results",
            "The etcd analysis printed no results: please investigate",
        )
    ctx.notes.success(f"Analysis finished: see the cluster report '{REPORT_SUMMARY}'")
    cluster_id = str(ctx.resource("cluster").get("id") or ctx.cluster_id)
    return [
        ClusterReport(cluster_id=cluster_id, summary=REPORT_SUMMARY, data=analysis.report(result))
    ]


def _hcp(ctx: InvestigationContext, management: Any, cluster_id: str) -> list[Any]:
    namespace = management.hcp_namespace
    ctx.notes.success(f"HCP cluster: analysing a snapshot of its etcd in {namespace}")
    pod = _member(ctx, management.kube, namespace)
    etcdctl = jobs.container(pod, jobs.HCP_ETCDCTL_CONTAINER, init=True)
    if etcdctl is None or not etcdctl.get("image"):
        raise Stop(
            f"etcd pod {pod['metadata']['name']} has no {jobs.HCP_ETCDCTL_CONTAINER} init "
            "container, so CAD has no etcdctl image",
            "No etcdctl image was found: please investigate",
        )
    name = jobs.job_name()
    job = jobs.hcp_job(
        name, namespace, cluster_id, pod["metadata"]["name"], str(etcdctl["image"]), _image()
    )
    if _run_job(ctx, management.kube, job, namespace):
        ctx.notes.line(
            f"The analysis is in the Job's log (kept {jobs.KEEP_SECONDS // 60} minutes), on "
            f"management cluster {management.name or '(unnamed)'}: "
            f"oc logs -n {namespace} job/{name} -c {jobs.ANALYZER}"
        )
    return []


def _run_job(ctx: InvestigationContext, kube: Any, job: dict[str, Any], namespace: str) -> bool:
    """Create the Job and wait for it; False on a dry run (nothing is created)."""
    name = job["metadata"]["name"]
    if ctx.run.dry_run:
        ctx.notes.line(f"Dry run: the analysis Job {namespace}/{name} was not created")
        raise Stop("Dry run: no analysis", "dry run: the etcd analysis did not run")
    _call(
        "creating the analysis Job",
        kube.create_object,
        "batch/v1",
        "jobs",
        job,
        namespace=namespace,
    )
    ctx.notes.automation(
        f"Created analysis Job {namespace}/{name} (deleted "
        f"{jobs.KEEP_SECONDS // 60} minutes after it finishes)"
    )

    def read() -> Any:
        return _call(
            "reading the analysis Job",
            kube.get_object,
            "batch/v1",
            "jobs",
            name,
            namespace=namespace,
        )

    timeout = number(ANALYSIS_TIMEOUT)
    end = jobs.wait_for(read, timeout)
    if end != "succeeded":
        raise Stop(
            f"The analysis Job {namespace}/{name} {end}",
            "The etcd analysis Job failed or timed out: please investigate",
        )
    ctx.notes.success(f"The analysis Job {name} succeeded")
    return True


def _job_log(kube: Any, name: str) -> str:
    pods = _call(
        "listing the analysis pod",
        kube.list_objects,
        "v1",
        "pods",
        namespace=ETCD_NAMESPACE,
        label_selector=f"job-name={name}",
    )
    if not pods:
        raise Stop(
            f"The analysis Job {name} has no pod",
            "The etcd analysis results could not be read: please investigate",
        )
    pod = pods[0]["metadata"]["name"]
    path = f"/api/v1/namespaces/{ETCD_NAMESPACE}/pods/{pod}/log"
    text: str = _call("reading the analysis log", kube.get_text, path, {"container": jobs.ANALYZER})
    return text


def _image() -> str:
    return setting(OCTOSQL_IMAGE)
