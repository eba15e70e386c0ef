"""The few writes the kube simulators accept: create (POST), update (PUT), a pod's log.

Investigations that run a Job (etcd analysis) or annotate a HostedCluster (control-plane
restart) write; everything else stays read-only. A created Job gets its status at once,
from the scenario's ``jobs:`` (``succeeded``, ``failed`` or ``running``), and one pod
labelled ``job-name`` whose ``log`` subresource prints ``jobs.log``. Every accepted write
is kept in order in the world's ``kube_changes`` (by side: ``cluster`` or ``management``),
the object as it stands after the write, so a scenario's ``expect.world`` can check it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from cad_core.plugins.simwire import HttpProblem, Response, json_response

from cad_ocm.sandbox.kube_scenario import Jobs, kube_time
from cad_ocm.sandbox.kube_store import ResourceType, _uid

if TYPE_CHECKING:
    from cad_core.plugins.simulation import SimWorld

    from cad_ocm.sandbox.kube_store import KubeStore
    from cad_ocm.sandbox.state import OcmState


class KubeWrites:
    """Writes to one simulated cluster (``side``), under the world's lock."""

    def __init__(
        self, world: SimWorld, state: OcmState, store: KubeStore, jobs: Jobs, side: str
    ) -> None:
        self.world, self.state, self.store, self.jobs, self.side = world, state, store, jobs, side
        self.logs: dict[tuple[str, str], str] = {}  # (namespace, pod) -> log text

    def create(self, served: ResourceType, namespace: str | None, body: Any) -> Response:
        obj = _checked_body(body, served)
        meta = obj["metadata"]
        if served.namespaced:
            if not namespace:
                raise HttpProblem(404, "the server could not find the requested resource")
            meta["namespace"] = namespace
        name = str(meta.get("name") or "")
        if not name:
            raise HttpProblem(422, f"{served.kind}.metadata.name: Required value")
        with self.world.lock:
            if _find(served, namespace or "", name) is not None:
                raise HttpProblem(409, f'{served.resource} "{name}" already exists')
            self._stamp(obj, served, "1")
            served.objects.append(obj)
            if served.kind == "Job":
                self._run_job(obj)
            self._record(obj)
        return json_response(201, obj)

    def update(self, served: ResourceType, namespace: str | None, name: str, body: Any) -> Response:
        obj = _checked_body(body, served)
        with self.world.lock:
            current = _find(served, namespace or "", name)
            if current is None:
                raise HttpProblem(404, f'{served.resource} "{name}" not found')
            sent = str(obj["metadata"].get("resourceVersion") or "")
            held = str(current["metadata"].get("resourceVersion") or "")
            if sent and sent != held:  # optimistic concurrency, as the apiserver does
                raise HttpProblem(
                    409,
                    f'Operation cannot be fulfilled on {served.resource} "{name}": the object '
                    "has been modified; please apply your changes to the latest version",
                )
            obj["metadata"].update(
                {k: current["metadata"][k] for k in ("name", "uid", "creationTimestamp")}
            )
            if served.namespaced:
                obj["metadata"]["namespace"] = namespace
            obj["metadata"]["resourceVersion"] = str(int(held or "1") + 1)
            served.objects[served.objects.index(current)] = obj
            self._record(obj)
        return json_response(200, obj)

    def log(self, namespace: str, pod: str) -> Response:
        with self.world.lock:
            text = self.logs.get((namespace, pod))
        if text is None:
            raise HttpProblem(404, f'pods "{pod}" not found')
        return Response(200, text.encode(), "text/plain")

    def _stamp(self, obj: dict[str, Any], served: ResourceType, version: str) -> None:
        meta = obj["metadata"]
        meta["uid"] = _uid(served.resource, meta.get("namespace", ""), meta["name"], self.side)
        meta["resourceVersion"] = version
        meta["creationTimestamp"] = kube_time(self.state.scenario.now)

    def _run_job(self, job: dict[str, Any]) -> None:
        """The Job's status as the scenario says, and its one pod with the log."""
        meta = job["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        counts = {"succeeded": "succeeded", "failed": "failed", "running": "active"}
        job["status"] = {counts[self.jobs.outcome]: 1, "startTime": meta["creationTimestamp"]}
        pods = self.store.find("", "v1", "pods")
        if pods is None:  # the store always serves pods; nothing to attach a log to otherwise
            return
        pod_name = f"{name}-sbx01"
        phase = {"succeeded": "Succeeded", "failed": "Failed", "running": "Running"}
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod_name, "namespace": namespace, "labels": {"job-name": name}},
            "spec": copy.deepcopy(((job.get("spec") or {}).get("template") or {}).get("spec")),
            "status": {"phase": phase[self.jobs.outcome]},
        }
        self._stamp(pod, pods, "1")
        pods.objects.append(pod)
        self.logs[(namespace, pod_name)] = self.jobs.log

    def _record(self, obj: dict[str, Any]) -> None:
        self.state.kube_changes.setdefault(self.side, []).append(copy.deepcopy(obj))


def _checked_body(body: Any, served: ResourceType) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
        raise HttpProblem(400, "the request body must be an object with metadata")
    if body.get("kind") not in (None, served.kind):
        raise HttpProblem(400, f"kind {body.get('kind')!r} does not match {served.resource}")
    return copy.deepcopy(body)


def _find(served: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
    for obj in served.objects:
        meta = obj["metadata"]
        if meta["name"] == name and meta.get("namespace", "") == namespace:
            return obj
    return None
