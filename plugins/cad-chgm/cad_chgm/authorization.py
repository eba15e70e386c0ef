"""Who may stop or terminate a managed cluster's instances.

Matching is a case-sensitive substring test, because the names embed cluster-specific
prefixes (``<infra id>-openshift-machine-api-aws-cloud-credentials``,
``ManagedOpenShift-Installer-Role``). Anything not listed, including an IAM user or an
unknown role, counts as the customer.
"""

from __future__ import annotations

from cad_chgm.events import Actor

# LookupEvents ``Username`` values of OpenShift components and Red Hat SRE identities.
ALLOWED_USERNAME_PARTS = (
    "openshift-machine-api-aws",
    "osdCcsAdmin",
    "osdManagedAdmin",
    "RH-SRE-",
)

# Roles (``sessionIssuer.userName``) that OpenShift and Red Hat operate through.
ALLOWED_ISSUER_PARTS = (
    "openshift-machine-api-aws",
    "-Installer-Role",
    "-Support-Role",
    "ManagedOpenShift-Support-",
)

# On a non-CCS cluster the AWS account belongs to Red Hat, so its organisation access role
# is Red Hat's; on a CCS cluster the customer owns the account and that role is theirs.
NON_CCS_ISSUER_PARTS = ("OrganizationAccountAccessRole",)


def _contains_any(value: str, parts: tuple[str, ...]) -> bool:
    return bool(value) and any(part in value for part in parts)


def is_authorized(actor: Actor, *, ccs: bool) -> bool:
    """True when the call came from OpenShift itself or from Red Hat."""
    if _contains_any(actor.username, ALLOWED_USERNAME_PARTS):
        return True
    issuer_parts = ALLOWED_ISSUER_PARTS if ccs else ALLOWED_ISSUER_PARTS + NON_CCS_ISSUER_PARTS
    return _contains_any(actor.issuer, issuer_parts)
