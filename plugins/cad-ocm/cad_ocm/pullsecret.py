"""The ``pull_secret`` resource: the cluster's ``openshift-config/pull-secret``, decoded.

The value is ``{"auths": {registry: {"email": str, "auth": str}}}``: the docker config of
the secret with only the fields CAD compares (``auth`` is base64 of ``username:token``, a
credential: compare it, never show it). It is read through the ``kube`` resource, so the
asking investigation's remediation (and RBAC: ``get`` on secrets in ``openshift-config``)
is used.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cad_core.errors import NotFoundError, PermanentError

NAMESPACE = "openshift-config"
NAME = "pull-secret"
DOCKER_CONFIG_KEY = ".dockerconfigjson"


def build_pull_secret(resources: Any) -> dict[str, Any]:
    secret = resources.get("kube").get_object("v1", "secrets", NAME, namespace=NAMESPACE)
    if secret is None:
        raise NotFoundError(f"the cluster has no secret {NAMESPACE}/{NAME}")
    return {"auths": _auths(secret)}


def _auths(secret: dict[str, Any]) -> dict[str, dict[str, str]]:
    encoded = (secret.get("data") or {}).get(DOCKER_CONFIG_KEY)
    if not isinstance(encoded, str) or not encoded:
        raise PermanentError(f"{NAMESPACE}/{NAME} holds no {DOCKER_CONFIG_KEY}")
    try:
        config = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        # The reason only: the text may hold credentials, so none of it is repeated.
        raise PermanentError(f"{NAMESPACE}/{NAME}: {DOCKER_CONFIG_KEY} is not readable") from None
    auths = config.get("auths") if isinstance(config, dict) else None
    if not isinstance(auths, dict):
        raise PermanentError(f"{NAMESPACE}/{NAME}: {DOCKER_CONFIG_KEY} has no auths map")
    return {
        str(registry): {
            "email": str(entry.get("email") or ""),
            "auth": str(entry.get("auth") or ""),
        }
        for registry, entry in auths.items()
        if isinstance(entry, dict)
    }
