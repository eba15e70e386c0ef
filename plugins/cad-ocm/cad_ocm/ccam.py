"""``ccam``: the customer removed the cloud credentials Red Hat needs.

When backplane cannot get AWS credentials for the cluster (``cloud_credentials``) and its
error shows that the customer removed the support role or its permissions:

| cluster state  | actions                                   |
|----------------|-------------------------------------------|
| ``ready``      | limited support (context ``CCAM``) + silence |
| ``uninstalling`` | silence                                 |
| anything else  | escalate                                  |

and the chain stops. Any other credentials failure is an infrastructure error (the
runner retries and the resource is rebuilt). ``ccam`` writes no note.
"""

from __future__ import annotations

import re

from cad_core.errors import BadInputError, InfrastructureError, ResourceError, one_line
from cad_core.plan.actions import Action, EscalateIncident, LimitedSupport, SilenceIncident
from cad_core.plan.helpers import silence_after
from cad_core.plugins.registrations import Investigation, InvestigationResult
from cad_core.run.context import InvestigationContext

# Texts from OCM, backplane and AWS; matched anywhere in the error (upstream's five).
REMOVED_CREDENTIALS = tuple(
    re.compile(pattern)
    for pattern in (
        r"Failed to find trusted relationship to support role 'RH-Technical-Support-Access'",
        r"RH-Managed-OpenShift-Installer/OCM is not authorized to perform: sts:AssumeRole "
        r"on resource",
        r"Support role, used with cluster '[a-z0-9]{32}', does not exist in the customer's "
        r"AWS account",
        r"could not assume support role in customer's account: .*AccessDenied:",
        r"is not authorized to perform: iam:GetRole on resource: role",
    )
)

SUMMARY = "Action required: restore the cloud access Red Hat needs to support this cluster"
DETAILS = (
    "Red Hat can no longer reach this cluster's AWS infrastructure, because IAM roles or "
    "policies it relies on were removed or changed in your AWS account (for example the "
    "support role, its trust relationship, or the installer role's permissions). Without "
    "this access our engineers cannot monitor, repair or upgrade the cluster. Please put "
    "the IAM roles and policies back as they were when the cluster was installed; once "
    "access works again, full support can be restored. If you need help, please open a "
    "support case and we will gladly assist."
)


def error_text(error: BaseException) -> str:
    """Every message in the error's chain, one per line."""
    texts, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(str(current))
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return "\n".join(texts)


def credentials_removed(error: BaseException) -> bool:
    text = error_text(error)
    return any(pattern.search(text) for pattern in REMOVED_CREDENTIALS)


def plan_for_state(state: str) -> list[Action]:
    if state == "ready":
        return silence_after(
            LimitedSupport(summary=SUMMARY, details=DETAILS, context="CCAM"),
            "the customer removed the cloud credentials Red Hat "
            "needs; the cluster is now in limited support",
        )
    if state == "uninstalling":
        return [
            SilenceIncident(
                reason=f"the cloud credentials are gone but the cluster is "
                f"uninstalling, so no limited support ('{SUMMARY}') "
                "was added"
            )
        ]
    return [
        EscalateIncident(
            reason=f"the cloud credentials are broken (support role or "
            f"policy removed) and the cluster is '{state}', neither "
            "ready nor uninstalling; a human needs to decide"
        )
    ]


def run(ctx: InvestigationContext) -> InvestigationResult:
    try:
        ctx.resource("cloud_credentials")  # not aws_session: no AWS SDK for ccam's question
    except ResourceError as error:
        # Only the credentials call itself is ccam's business; a cluster lookup failure
        # or a configuration mistake goes to the runner as it is.
        if error.name != "cloud_credentials" or isinstance(error.cause, BadInputError):
            raise
        if not credentials_removed(error):
            raise InfrastructureError(
                one_line(error.cause), context="getting AWS credentials through backplane"
            ) from error
        state = str(ctx.resource("cluster").get("state", "unknown"))
        return InvestigationResult(
            plan_for_state(state),
            stop_chain=f"the customer removed the cloud credentials: {one_line(error.cause)}",
        )
    return InvestigationResult()


INVESTIGATION = Investigation(
    name="ccam",
    run=run,
    description="detects cloud credentials the customer removed and sets limited support",
    chain_head=True,  # runs before every default route, as chain_heads does in a config
    # Only the credentials: the AWS SDK (about 250 ms of CPU) is imported by the
    # investigations that make AWS calls, which declare aws_sdk themselves.
    prefetch=("cloud_credentials",),
)
