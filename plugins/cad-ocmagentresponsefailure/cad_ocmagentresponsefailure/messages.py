"""Every text ocmagentresponsefailure writes: the customer's service log, notes, reasons.

Facts (ban codes, the SOP link) are exact; the wording is ours. No note carries a
credential, an e-mail address or a token.
"""

from __future__ import annotations

from collections.abc import Sequence

EXPORT_CONTROL = "export_control_compliance"
SOP = "https://github.com/openshift/ops-sop/blob/master/v4/alerts/OCMAgentResponseFailureServiceLogsSRE.md"

# --- the customer reads these ----------------------------------------------------------------

OWNER_SL_SUMMARY = "Action required: the cluster owner's account is disabled"
OWNER_SL_DESCRIPTION = (
    "The Red Hat account that owns this cluster has been disabled. Services that act on "
    "the owner's behalf, such as the notifications this cluster sends you, stop working "
    "until the cluster has an active owner. Please make another active user of your "
    "organisation the cluster's owner in OpenShift Cluster Manager, or open a support case "
    "so that Red Hat can help you with it."
)

# --- incident notes ---------------------------------------------------------------------------

HCP = (
    "This is a hosted control plane (HCP) cluster; CAD's checks for this alert cover classic "
    "clusters only, so please investigate it by hand"
)


def egress_blocked(blocked: Sequence[str]) -> str:
    return (
        "The egress check found endpoints the cluster cannot reach, which keeps the OCM agent "
        f"from answering: {', '.join(blocked) or 'none named'}"
    )


def egress_not_verified(error: str) -> str:
    return f"Egress was not verified: the network verifier did not complete ({error})"


def ban_unknown(error: str) -> str:
    return f"CAD could not find out whether the cluster's owner is banned ({error})."


def export_control_ban(description: str) -> str:
    return (
        "The cluster's owner is banned for export control compliance "
        f"({description or 'no description'}). A dedicated process handles this, not the "
        f"customer or CAD; please follow {SOP}"
    )


def other_ban(code: str, description: str) -> str:
    return (
        f"The cluster's owner is banned (code {code or 'none'}: "
        f"{description or 'no description'}). CAD asked the customer to make another user "
        "the cluster's owner."
    )


OWNER_NOT_BANNED = "The cluster's owner is not banned"


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so the pull secret was not checked ({error})."


def pull_secret_unreadable(error: str) -> str:
    return f"CAD could not read the cluster's pull secret ({error})."


# --- reasons given to escalate --------------------------------------------------------------------

ESCALATE_HCP = "HCP cluster: CAD's checks do not apply; please investigate by hand"
ESCALATE_EGRESS = "the egress check found blocked endpoints; please investigate"
ESCALATE_BAN_UNKNOWN = "CAD could not tell whether the owner is banned; a person needs to check"
ESCALATE_EXPORT_CONTROL = "the owner is banned for export control compliance (see the SOP)"
ESCALATE_BANNED = "the owner is banned; the customer was asked to arrange a new owner"
ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; a person needs to check it"
ESCALATE_DONE = "CAD finished its checks of egress, the owner and the pull secret; please review"
