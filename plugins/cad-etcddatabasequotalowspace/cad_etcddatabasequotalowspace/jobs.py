"""The analysis Jobs and the waits around them.

Both take a snapshot in an init container and analyse it in the ``analyzer`` container
(``analyze-snapshot.sh --delete``, from ``CAD_OCTOSQL_IMAGE``) on an emptyDir, so the
snapshot never lands on a node's disk and needs no cleanup:

* HCP (upstream's Job, on the management cluster, in the HCP namespace): next to the etcd
  member, with its client certificates (secret ``etcd-client-tls``, configmap ``etcd-ca``);
* classic (in ``openshift-etcd``): on the etcd member's node, with host networking and the
  member pod's own ``etcdctl`` container (image, environment, host-path certificates).
  Upstream execs ``etcdctl snapshot save`` in that container instead; CAD speaks plain
  HTTP to the kube API and has no exec channel (see docs/upstream.md).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Obj = Mapping[str, Any]
SNAPSHOT = "/snapshot/etcd.snapshot"
ANALYZER = "analyzer"
ETCD_LABELS = ("k8s-app=etcd", "app=etcd")
HCP_ETCDCTL_CONTAINER = "reset-member"  # the init container of an HCP etcd pod with etcdctl
CLASSIC_ETCDCTL_CONTAINER = "etcdctl"
KEEP_SECONDS = 600  # the Job and its pod go away ten minutes after they finish


def job_name(now: datetime | None = None) -> str:
    """Upstream's ``etcd-analysis-<YYYYmmdd-HHMMSS>`` plus a short random tail, so an
    investigation retried within the same second does not collide with its own Job."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"etcd-analysis-{stamp}-{secrets.token_hex(2)}"


def _job(name: str, namespace: str, labels: dict[str, str], pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "ttlSecondsAfterFinished": KEEP_SECONDS,
            "activeDeadlineSeconds": KEEP_SECONDS,
            "backoffLimit": 0,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def _analyzer(image: str) -> dict[str, Any]:
    return {
        "name": ANALYZER,
        "image": image,
        "imagePullPolicy": "Always",
        "command": ["/usr/local/bin/analyze-snapshot.sh", "--delete", SNAPSHOT],
        "volumeMounts": [{"name": "snapshot-volume", "mountPath": "/snapshot"}],
    }


SNAPSHOT_VOLUME = {"name": "snapshot-volume", "emptyDir": {}}


def hcp_job(
    name: str, namespace: str, cluster_id: str, etcd_pod: str, etcd_image: str, analyzer_image: str
) -> dict[str, Any]:
    labels = {"app": "etcd-snapshot-analysis", "cluster-id": cluster_id, "job-id": name}
    tls = "/etc/etcd/tls"
    snapshot = {
        "name": "snapshot",
        "image": etcd_image,
        "command": ["/bin/sh", "-c", f"etcdctl snapshot save {SNAPSHOT}"],
        "env": [
            {"name": "ETCDCTL_API", "value": "3"},
            {"name": "ETCDCTL_CACERT", "value": f"{tls}/etcd-ca/ca.crt"},
            {"name": "ETCDCTL_CERT", "value": f"{tls}/client/etcd-client.crt"},
            {"name": "ETCDCTL_KEY", "value": f"{tls}/client/etcd-client.key"},
            {"name": "ETCDCTL_ENDPOINTS", "value": "https://etcd-client:2379"},
        ],
        "volumeMounts": [
            {"name": "snapshot-volume", "mountPath": "/snapshot"},
            {"name": "client-tls", "mountPath": f"{tls}/client", "readOnly": True},
            {"name": "etcd-ca", "mountPath": f"{tls}/etcd-ca", "readOnly": True},
        ],
    }
    pod = {
        "affinity": {
            "podAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {
                            "matchLabels": {"statefulset.kubernetes.io/pod-name": etcd_pod}
                        },
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ]
            }
        },
        "tolerations": [
            _toleration("hypershift.openshift.io/control-plane", "true"),
            _toleration("hypershift.openshift.io/cluster", namespace),
        ],
        "restartPolicy": "Never",
        "initContainers": [snapshot],
        "containers": [_analyzer(analyzer_image)],
        "volumes": [
            SNAPSHOT_VOLUME,
            {"name": "client-tls", "secret": {"secretName": "etcd-client-tls"}},
            {"name": "etcd-ca", "configMap": {"name": "etcd-ca"}},
        ],
    }
    return _job(name, namespace, labels, pod)


def _toleration(key: str, value: str) -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": value, "effect": "NoSchedule"}


def classic_job(name: str, etcd_pod: Obj, analyzer_image: str) -> dict[str, Any] | None:
    """The Job for a classic cluster, or None when the member pod has no etcdctl container."""
    spec = etcd_pod.get("spec") or {}
    etcdctl = container(etcd_pod, CLASSIC_ETCDCTL_CONTAINER, init=False)
    if etcdctl is None or not etcdctl.get("image"):
        return None
    host_paths = {v["name"]: v for v in spec.get("volumes") or [] if v.get("hostPath")}
    mounts = [m for m in etcdctl.get("volumeMounts") or [] if m.get("name") in host_paths]
    env = [e for e in etcdctl.get("env") or [] if e.get("name") != "ETCDCTL_ENDPOINTS"]
    snapshot = {
        "name": "snapshot",
        "image": etcdctl["image"],
        # Without ETCDCTL_ENDPOINTS etcdctl asks the local member (127.0.0.1:2379), as
        # upstream's exec does; host networking makes that the member on this node.
        "command": ["/bin/sh", "-c", f"etcdctl snapshot save {SNAPSHOT}"],
        "env": env,
        "securityContext": etcdctl.get("securityContext") or {"privileged": True},
        "volumeMounts": [{"name": "snapshot-volume", "mountPath": "/snapshot"}, *mounts],
    }
    pod = {
        "nodeSelector": {"kubernetes.io/hostname": str(spec.get("nodeName") or "")},
        "hostNetwork": True,
        "tolerations": [
            {"operator": "Exists", "effect": "NoSchedule"},
            {"operator": "Exists", "effect": "NoExecute"},
        ],
        "restartPolicy": "Never",
        "initContainers": [snapshot],
        "containers": [_analyzer(analyzer_image)],
        # One volume per name, however many mounts use it (a pod repeating one is invalid).
        "volumes": [
            SNAPSHOT_VOLUME,
            *({m["name"]: host_paths[m["name"]] for m in mounts}.values()),
        ],
    }
    return _job(name, "openshift-etcd", {"app": "etcd-snapshot-analysis"}, pod)


def container(pod: Obj, name: str, *, init: bool) -> Obj | None:
    key = "initContainers" if init else "containers"
    return next((c for c in (pod.get("spec") or {}).get(key) or [] if c.get("name") == name), None)


def running_etcd_pod(list_pods: Callable[[str], list[dict[str, Any]]]) -> dict[str, Any] | None:
    """The first Running etcd member: pods labelled k8s-app=etcd, else app=etcd."""
    for selector in ETCD_LABELS:
        pods = list_pods(selector)
        if pods:
            return next(
                (p for p in pods if (p.get("status") or {}).get("phase") == "Running"), None
            )
    return None


def wait_for(
    read_job: Callable[[], Obj | None],
    timeout: float,
    interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """``succeeded``, ``failed``, ``gone`` or ``timed out``: the Job's end, read every
    ``interval`` seconds for at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        job = read_job()
        if job is None:
            return "gone"
        status = job.get("status") or {}
        if int(status.get("succeeded") or 0) > 0:
            return "succeeded"
        if int(status.get("failed") or 0) > 0:
            return "failed"
        left = deadline - time.monotonic()
        if left <= 0:
            return "timed out"
        sleep(min(interval, left))
