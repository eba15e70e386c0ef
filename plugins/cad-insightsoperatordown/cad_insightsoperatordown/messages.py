"""Every text insightsoperatordown writes: incident notes and escalation reasons.

Facts (the bug id, the condition text, the command) are exact; the wording is ours.
"""

from __future__ import annotations

SCA_CONDITION = "SCAAvailable"
SCA_SYMPTOM = "Failed to pull SCA certs"  # the operator's own message, matched verbatim


def ban_unknown(error: str) -> str:
    return f"CAD could not find out whether the cluster's owner is banned ({error})."


def owner_banned(code: str, description: str) -> str:
    return (
        f"The cluster's owner is banned (code {code or 'none'}: "
        f"{description or 'no description'}). Insights cannot report for a banned account. "
        "Please open a proactive case so that the ban can be resolved or the cluster's "
        "ownership transferred."
    )


OWNER_NOT_BANNED = "The cluster's owner is not banned"


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so the operator was not checked ({error})."


NO_OPERATOR = "The cluster has no insights ClusterOperator, which CAD did not expect"
SCA_BUG = (
    f"The insights operator reports '{SCA_SYMPTOM}', a known bug (OCPBUGS-22226). Deleting "
    "the operator's pod usually clears it:\n"
    "oc -n openshift-insights delete pods -l app=insights-operator --wait=false"
)
SCA_RULED_OUT = "The known SCA-certificate bug (OCPBUGS-22226) is ruled out"

ESCALATE_BAN_UNKNOWN = "CAD could not tell whether the owner is banned; a person needs to check"
ESCALATE_BANNED = "the owner is banned; a proactive case is needed"
ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; a person needs to check it"
ESCALATE_NO_OPERATOR = "the insights operator is missing; a person needs to look"
ESCALATE_SCA_BUG = "known SCA-certificate bug found; the fix in the notes needs a person"
ESCALATE_DONE = "CAD finished its checks of the insights operator; please review them"
