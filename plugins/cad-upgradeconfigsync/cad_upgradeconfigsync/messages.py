"""Every text upgradeconfigsync writes itself: the customer's service log, the SOP pointer
and its closing reason. The owner and pull-secret notes are cad-ocm's, shared with
ocmagentresponsefailure.

Facts (the SOP link) are exact; the wording is ours. No note ever carries a credential, an
e-mail address or a token: only which entry differs.
"""

from __future__ import annotations

EXPORT_CONTROL_SOP = (
    "https://github.com/openshift/ops-sop/blob/master/v4/alerts/"
    "UpgradeConfigSyncFailureOver4HrSRE.md#user-banneddisabled-due-to-export-control-compliance"
)
FOLLOW_EXPORT_CONTROL_SOP = f"Please follow {EXPORT_CONTROL_SOP}"

# --- the customer reads these ----------------------------------------------------------------

OWNER_SL_SUMMARY = "Action required: the cluster owner's account is disabled"
OWNER_SL_DESCRIPTION = (
    "The Red Hat account that owns this cluster has been disabled, so the cluster can no "
    "longer fetch its upgrade configuration and will not receive upgrades. Please make "
    "another active user of your organisation the cluster's owner, by transferring the "
    "cluster's ownership in OpenShift Cluster Manager, or open a support case so that Red "
    "Hat can help you with it."
)

# --- reasons given to escalate --------------------------------------------------------------------

ESCALATE_DONE = "CAD finished its checks of the owner and the pull secret; please review them"
