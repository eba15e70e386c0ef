"""The ``pull_secret_check`` resource: the cluster's pull secret compared with the owner's
OCM account, as upstream's pullsecret package does for every investigation that asks.

The comparisons are pure functions returning short facts; each fact's note names the
registry (the pull-secret entry), never an address, a user or a token."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from cad_core.errors import NotFoundError, PermanentError, ResourceError, one_line

CLOUD_AUTH = "cloud.openshift.com"


@attrs.frozen
class Finding:
    """``kind`` names the check, ``registry`` the pull-secret entry it is about."""

    kind: str
    registry: str = ""


def email_findings(pull_secret: Mapping[str, Any], owner_email: str) -> list[Finding]:
    """The ``cloud.openshift.com`` entry must carry the owner's e-mail."""
    entry = (pull_secret.get("auths") or {}).get(CLOUD_AUTH)
    if entry is None:
        return [Finding("no_cloud_entry", CLOUD_AUTH)]
    if not entry.get("email"):
        return [Finding("no_cloud_email", CLOUD_AUTH)]
    if entry["email"] != owner_email:
        return [Finding("email_differs", CLOUD_AUTH)]
    return []


def registry_findings(
    pull_secret: Mapping[str, Any], credentials: Sequence[Mapping[str, Any]], owner_email: str
) -> list[Finding]:
    """Each OCM registry credential must be in the pull secret, with the owner's e-mail and
    the same ``username:token``."""
    auths = pull_secret.get("auths") or {}
    findings = []
    for credential in credentials:
        registry = str(credential.get("registry") or "")
        if not registry:
            findings.append(Finding("no_registry_name", str(credential.get("registry_id") or "")))
            continue
        entry = auths.get(registry)
        if entry is None:
            findings.append(Finding("registry_missing", registry))
            continue
        if entry.get("email") != owner_email:
            findings.append(Finding("registry_email_differs", registry))
        if not credential.get("username") or not credential.get("token"):
            findings.append(Finding("ocm_credential_empty", registry))
        elif _decoded(str(entry.get("auth") or "")) != (
            f"{credential['username']}:{credential['token']}"
        ):
            findings.append(Finding("credential_differs", registry))
    return findings


def _decoded(auth: str) -> str | None:
    try:
        return base64.b64decode(auth, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


# A missing or unreadable object is a finding; anything else (transient) propagates.
FINDINGS = (NotFoundError, PermanentError)

_TEXTS = {
    "no_cloud_entry": "The pull secret has no {registry} entry, so it may be misconfigured",
    "no_cloud_email": "The pull secret's {registry} entry has no e-mail address",
    "email_differs": (
        "The e-mail address in the pull secret's {registry} entry is not the owner's e-mail "
        "in OCM: the pull secret may belong to someone else"
    ),
    "no_registry_name": "OCM names no registry for the owner's registry credential {registry}",
    "registry_missing": "The pull secret has no entry for registry {registry}",
    "registry_email_differs": (
        "The pull secret's entry for registry {registry} carries another e-mail address "
        "than the owner's OCM account"
    ),
    "ocm_credential_empty": "OCM's credential for registry {registry} has no user or token",
    "credential_differs": (
        "The pull secret's credential for registry {registry} differs from the owner's "
        "credential in OCM"
    ),
}


def text_of(item: Finding) -> str:
    return _TEXTS[item.kind].format(registry=item.registry or "(unnamed)")


NO_REGISTRY_CREDENTIALS = "OCM holds no registry credentials for the owner's account"
MATCHES = "The cluster's pull secret matches the owner's OCM account"


def _unreadable(error: str) -> str:
    return f"CAD could not read the owner's registry credentials from OCM ({error})"


def build_pull_secret_check(resources: Any) -> dict[str, Any]:
    """``{"findings": [{"kind", "registry", "text"}], "registry_credentials": "read" |
    "none" | "unreadable", "error": str, "warnings": [str], "matches": str}``:
    ``warnings`` are the lines to note (``matches`` is the success line, or empty).
    ``pull_secret`` and ``owner`` failures propagate."""
    pull_secret = resources.get("pull_secret")
    email = str(resources.get("owner").get("email") or "")
    findings = email_findings(pull_secret, email)
    state, error = "read", ""
    try:
        credentials = resources.get("registry_credentials")
    except ResourceError as failure:
        if not isinstance(failure.cause, FINDINGS):
            raise
        state, error, credentials = "unreadable", one_line(failure.cause), []
    if state == "read" and not credentials:
        state = "none"
    findings += registry_findings(pull_secret, credentials, email)
    warnings = {"unreadable": [_unreadable(error)], "none": [NO_REGISTRY_CREDENTIALS]}
    lines = warnings.get(state, []) + [text_of(f) for f in findings]
    return {
        "findings": [
            {"kind": f.kind, "registry": f.registry, "text": text_of(f)} for f in findings
        ],
        "registry_credentials": state,
        "error": error,
        "warnings": lines,
        "matches": MATCHES if state == "read" and not findings else "",
    }
