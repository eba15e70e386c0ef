"""The workload behind a pod: its first owner, and a ReplicaSet's Deployment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cad_pdbblockingnodedrain.budgets import NO_OWNER


class OwnerResolver:
    """Each ReplicaSet is read at most once, however many pods it owns."""

    def __init__(self, kube: Any) -> None:
        self._kube = kube
        self._replica_sets: dict[tuple[str, str], str] = {}

    def __call__(self, pod: Mapping[str, Any]) -> str:
        metadata = pod.get("metadata") or {}
        references = metadata.get("ownerReferences") or []
        if not references:
            return NO_OWNER
        owner = references[0]
        kind, name = str(owner.get("kind", "")), str(owner.get("name", ""))
        if kind != "ReplicaSet":
            return f"{kind}/{name}"
        key = (str(metadata.get("namespace", "")), name)
        if key not in self._replica_sets:
            self._replica_sets[key] = self._deployment_of(*key)
        return self._replica_sets[key]

    def _deployment_of(self, namespace: str, name: str) -> str:
        try:
            replica_set = self._kube.get_object("apps/v1", "replicasets", name, namespace=namespace)
        except Exception:  # the ReplicaSet itself still names the workload well enough
            replica_set = None
        for owner in ((replica_set or {}).get("metadata") or {}).get("ownerReferences") or []:
            if owner.get("kind") == "Deployment":
                return f"Deployment/{owner.get('name', '')}"
        return f"ReplicaSet/{name}"
