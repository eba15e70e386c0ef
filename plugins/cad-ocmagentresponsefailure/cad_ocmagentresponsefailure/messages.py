"""Every text ocmagentresponsefailure writes: the customer's service log, notes, reasons.

The owner and pull-secret notes are cad-ocm's, shared with upgradeconfigsync.
Facts (the SOP link) are exact; the wording is ours. No note carries a
credential, an e-mail address or a token.
"""

from __future__ import annotations

from collections.abc import Sequence

SOP = "https://github.com/openshift/ops-sop/blob/master/v4/alerts/OCMAgentResponseFailureServiceLogsSRE.md"
FOLLOW_EXPORT_CONTROL_SOP = f"Please follow {SOP}"

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


# --- reasons given to escalate --------------------------------------------------------------------

ESCALATE_HCP = "HCP cluster: CAD's checks do not apply; please investigate by hand"
ESCALATE_EGRESS = "the egress check found blocked endpoints; please investigate"
ESCALATE_DONE = "CAD finished its checks of egress, the owner and the pull secret; please review"
