"""Every text chgm writes: customer-facing limited-support and service-log texts, incident
notes and the reasons given to silence or escalate.

Facts (links, identifiers) are exact; the wording is ours. Customer texts say what
happened, what it breaks, and what to do, without blaming anyone.
"""

from __future__ import annotations

from collections.abc import Sequence

DEADMANSSNITCH_HOST = "nosnch.in"
EGRESS_ARTICLE = "https://access.redhat.com/articles/7128431"
PRIVATELINK_FIREWALL_DOCS = {
    "rosa": (
        "https://docs.redhat.com/en/documentation/"
        "red_hat_openshift_service_on_aws_classic_architecture/4/html/install_rosa_classic_clusters/"
        "deploying-rosa-without-aws-sts#rosa-classic-firewall-prerequisites_prerequisites"
    ),
    "osd": (
        "https://docs.redhat.com/en/documentation/openshift_dedicated/4/html-single/"
        "planning_your_environment/index#osd-aws-privatelink-firewall-prerequisites_aws-ccs"
    ),
}


def privatelink_firewall_docs(product_id: str | None) -> str:
    """The firewall-prerequisites page for the cluster's product; ROSA's when unknown."""
    rosa = PRIVATELINK_FIREWALL_DOCS["rosa"]
    return PRIVATELINK_FIREWALL_DOCS.get((product_id or "").lower(), rosa)


def _listing(items: Sequence[str]) -> str:
    return ", ".join(items)


# --- limited support and service log (the customer reads these) ------------------------------

STOPPED_LS_SUMMARY = "Cluster instances were stopped or terminated outside OpenShift"


def stopped_ls_details(instance_ids: Sequence[str]) -> str:
    return (
        "Some of this cluster's EC2 instances were stopped or terminated by a user or role in "
        f"your AWS account ({_listing(instance_ids)}). Without them the cluster cannot report "
        "its health to OpenShift Cluster Manager, and stopping cluster instances is not a "
        "supported operation. Please start stopped instances again so the cluster can recover; "
        "if instances were terminated, please open a support case so that Red Hat can help "
        "restore the cluster. If you no longer need this cluster, please delete it from the "
        "Red Hat Hybrid Cloud Console instead of stopping its instances."
    )


EGRESS_LS_SUMMARY = "Network changes block internet egress the cluster requires"


def egress_ls_details(blocked: Sequence[str]) -> str:
    return (
        "Your action is needed: a change to the cluster's network now blocks outbound "
        f"connections the cluster depends on (unreachable: {_listing(blocked)}). This "
        "disrupts the cluster and prevents Red Hat from monitoring and supporting it. Please "
        "undo or adjust the change (for example firewall, proxy, route table or security "
        "group rules) so these endpoints are reachable again. The firewall requirements and "
        f"troubleshooting steps are described at {EGRESS_ARTICLE}"
    )


EGRESS_SL_SUMMARY = "Action required: network configuration blocks required endpoints"


def egress_sl_description(blocked: Sequence[str], docs_link: str) -> str:
    return (
        "Your action is needed: recent changes to the cluster's network configuration block "
        "outbound access to internet endpoints the cluster needs to run and to be supported "
        f"by Red Hat. These endpoints could not be reached: {_listing(blocked)}. Please undo "
        "or adjust the change so that they are reachable again. The firewall requirements "
        f"are documented at {docs_link}"
    )


# --- incident notes (the responder reads these) ----------------------------------------------


def check_stopped_early(finding: str) -> str:
    return f"The stopped-instance check could not finish: {finding}"


def check_failed(error: str) -> str:
    return f"The stopped-instance check failed unexpectedly: {error}"


def customer_stopped(actor: str, call: str, when: str, event_id: str) -> str:
    return (
        f"Instances were stopped or terminated by the customer: {actor} called {call} at "
        f"{when} (CloudTrail event {event_id or 'without an id'})"
    )


NO_CUSTOMER_STOPS = "No instance was stopped or terminated by the customer"


def authorized_stops(instance_ids: Sequence[str]) -> str:
    return f"{NO_CUSTOMER_STOPS}: OpenShift or Red Hat stopped {_listing(instance_ids)}"


def resumed_from_hibernation(resumed_at: str, sop_link: str) -> str:
    return (
        f"The cluster resumed from hibernation at {resumed_at}, less than 2 hours ago: look for "
        f"pending CSRs and expired kubelet certificates ({sop_link})"
    )


def hibernation_unknown(error: str) -> str:
    return f"Could not read the cluster's hibernation history: {error}"


def deadmanssnitch_blocked(blocked: Sequence[str]) -> str:
    return (
        f"{DEADMANSSNITCH_HOST} is unreachable from the cluster's network, so egress is "
        f"blocked (unreachable: {_listing(blocked)})"
    )


OTHER_EGRESS_BLOCKED = (
    f"Some required endpoints are unreachable, although Deadman's Snitch "
    f"({DEADMANSSNITCH_HOST}) is reachable"
)
LOOK_AT_CLUSTER = (
    "Please look at the cluster: the blocked endpoints alone do not explain the missing heartbeat"
)


def unreachable_listing(blocked: Sequence[str]) -> str:
    return "Unreachable endpoints:\n" + "\n".join(blocked)


# --- reasons given to silence and escalate ---------------------------------------------------

ESCALATE_INCOMPLETE = "CAD could not finish the CHGM analysis; a human needs to review it"
ESCALATE_ERROR = "The CHGM analysis hit an unexpected error; a human needs to review it"
SILENCE_CUSTOMER_STOPPED = (
    "Limited support set: the customer stopped or terminated cluster instances"
)
SILENCE_DEADMANSSNITCH = (
    "Limited support set: the cluster's network blocks egress to Deadman's Snitch "
    f"({DEADMANSSNITCH_HOST})"
)
ESCALATE_OTHER_EGRESS = (
    "Some required egress endpoints are blocked, but Deadman's Snitch is reachable; "
    "a human needs to take over"
)
ESCALATE_NOTHING_TO_FIX = "CAD found nothing it can fix automatically; a human needs to investigate"
