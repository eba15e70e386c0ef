"""The workload behind a pod: its first owner, and a ReplicaSet's Deployment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cad_pdbblockingnodedrain.budgets import NO_OWNER


def _replica_set_key(pod: Mapping[str, Any]) -> tuple[str, str] | None:
    metadata = pod.get("metadata") or {}
    references = metadata.get("ownerReferences") or []
    if not references or references[0].get("kind") != "ReplicaSet":
        return None
    return str(metadata.get("namespace", "")), str(references[0].get("name", ""))


class OwnerResolver:
    """Names the workload of each pod, reading ReplicaSets once per namespace.

    A namespace that needs one ReplicaSet reads that one; a namespace that needs several
    lists its ReplicaSets once (in pages), so the requests grow with the namespaces
    involved, not with the number of ReplicaSets.
    """

    def __init__(self, kube: Any, pods: Iterable[Mapping[str, Any]]) -> None:
        self._kube = kube
        self._wanted: dict[str, set[str]] = {}
        for pod in pods:
            key = _replica_set_key(pod)
            if key is not None:
                self._wanted.setdefault(key[0], set()).add(key[1])
        self._deployments: dict[tuple[str, str], str] = {}
        self._read: set[str] = set()

    def __call__(self, pod: Mapping[str, Any]) -> str:
        key = _replica_set_key(pod)
        if key is None:
            references = (pod.get("metadata") or {}).get("ownerReferences") or []
            if not references:
                return NO_OWNER
            return f"{references[0].get('kind', '')}/{references[0].get('name', '')}"
        if key[0] not in self._read:
            self._read_namespace(key[0])
        return self._deployments.get(key, f"ReplicaSet/{key[1]}")

    def _read_namespace(self, namespace: str) -> None:
        self._read.add(namespace)
        wanted = self._wanted.get(namespace, set())
        try:
            if len(wanted) == 1:
                found = self._kube.get_object(
                    "apps/v1", "replicasets", next(iter(wanted)), namespace=namespace
                )
                replica_sets = [found] if found else []
            else:
                replica_sets = self._kube.list_objects(
                    "apps/v1", "replicasets", namespace=namespace
                )
        except Exception:  # the ReplicaSet itself still names the workload well enough
            return
        for replica_set in replica_sets:
            metadata = replica_set.get("metadata") or {}
            name = str(metadata.get("name", ""))
            for owner in metadata.get("ownerReferences") or []:
                if owner.get("kind") == "Deployment" and name in wanted:
                    self._deployments[(namespace, name)] = f"Deployment/{owner.get('name', '')}"
