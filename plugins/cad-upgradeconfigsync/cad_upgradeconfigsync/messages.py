"""Every text upgradeconfigsync writes: the customer's service log, notes, reasons.

Facts (ban codes, the SOP link, entry names) are exact; the wording is ours. No note ever
carries a credential, an e-mail address or a token: only which entry differs.
"""

from __future__ import annotations

EXPORT_CONTROL = "export_control_compliance"
EXPORT_CONTROL_SOP = (
    "https://github.com/openshift/ops-sop/blob/master/v4/alerts/"
    "UpgradeConfigSyncFailureOver4HrSRE.md#user-banneddisabled-due-to-export-control-compliance"
)

# --- the customer reads these ----------------------------------------------------------------

OWNER_SL_SUMMARY = "Action required: the cluster owner's account is disabled"
OWNER_SL_DESCRIPTION = (
    "The Red Hat account that owns this cluster has been disabled, so the cluster can no "
    "longer fetch its upgrade configuration and will not receive upgrades. Please make "
    "another active user of your organisation the cluster's owner, by transferring the "
    "cluster's ownership in OpenShift Cluster Manager, or open a support case so that Red "
    "Hat can help you with it."
)

# --- incident notes ---------------------------------------------------------------------------


def ban_unknown(error: str) -> str:
    return f"CAD could not find out whether the cluster's owner is banned ({error})."


def export_control_ban(description: str) -> str:
    return (
        "The cluster's owner is banned for export control compliance "
        f"({description or 'no description'}). This is handled by a dedicated process, not "
        f"by the customer or CAD; please follow {EXPORT_CONTROL_SOP}"
    )


def other_ban(code: str, description: str) -> str:
    return (
        f"The cluster's owner is banned (code {code or 'none'}: "
        f"{description or 'no description'}). CAD asked the customer to make another user "
        "the cluster's owner."
    )


OWNER_NOT_BANNED = "The cluster's owner is not banned"


def owner_unknown(error: str) -> str:
    return f"CAD could not read the owner's OCM account ({error})."


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so the pull secret was not checked ({error})."


def pull_secret_unreadable(error: str) -> str:
    return f"CAD could not read the cluster's pull secret ({error})."


# --- reasons given to escalate --------------------------------------------------------------------

ESCALATE_BAN_UNKNOWN = "CAD could not tell whether the owner is banned; a person needs to check"
ESCALATE_EXPORT_CONTROL = "the owner is banned for export control compliance (see the SOP)"
ESCALATE_BANNED = "the owner is banned; the customer was asked to arrange a new owner"
ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; a person needs to check it"
ESCALATE_DONE = "CAD finished its checks of the owner and the pull secret; please review them"
