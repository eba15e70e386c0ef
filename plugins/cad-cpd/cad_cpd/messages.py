"""Every text cpd writes: the customer's service log, incident notes, escalation reasons.

Facts (the route, the documentation link, the commands) are exact; the wording is ours.
"""

from __future__ import annotations

from collections.abc import Sequence

# The installer's VPC requirements (the page upstream CAD links to); it names no product, so
# the docs-link guard of the service-log executor lets it through for ROSA and OSD alike.
VPC_REQUIREMENTS_DOCS = (
    "https://docs.openshift.com/container-platform/latest/installing/installing_aws/"
    "installing-aws-vpc.html#installation-custom-aws-vpc-requirements_installing-aws-vpc"
)


def _listing(items: Sequence[str]) -> str:
    return ", ".join(items)


# --- the customer reads these ----------------------------------------------------------------

ROUTE_SL_SUMMARY = "Installation blocked: missing route to the internet"


def route_sl_description(subnets: Sequence[str]) -> str:
    return (
        "The installation of your cluster cannot continue: the route table of "
        f"{'subnet' if len(subnets) == 1 else 'subnets'} {_listing(subnets)}, which you chose "
        "for this cluster, has no route to the internet (0.0.0.0/0). The installer needs one "
        "to download the software the cluster runs. Please add the missing route, for example "
        "through a NAT gateway or an internet gateway, as the VPC requirements describe at "
        f"{VPC_REQUIREMENTS_DOCS} , and then install the cluster again."
    )


# --- incident notes ---------------------------------------------------------------------------

ALREADY_READY = (
    "The cluster is already ready, so its installation has finished and this alert should "
    "not have fired. Please check why it did; if it happens again, let the CAD maintainers "
    "know so this case can be handled automatically."
)


def still_installing(state: str) -> str:
    return f"The cluster's installation has not finished yet (state: {state or 'unknown'})"


def no_metadata(cluster_id: str) -> str:
    return (
        "Hive has not recorded any metadata for this cluster yet, so the installer has most "
        "likely not started. The ClusterDeployment and the install pods show why:\n"
        f"oc get clusterdeployment -n uhc-production-{cluster_id} -o yaml "
        "--as backplane-cluster-admin"
    )


def dns_not_ready(cluster_id: str) -> str:
    return (
        "The cluster's DNS is not ready yet. The DNSZone in the cluster's namespace says why:\n"
        f"oc get dnszones -n uhc-production-{cluster_id} -o yaml --as backplane-cluster-admin"
    )


DNS_READY = "The cluster's DNS is ready"
NO_CUSTOMER_SUBNETS = (
    "The cluster does not use subnets of the customer's own VPC, so there are no customer "
    "routes to check"
)
ROUTES_OK = "Every customer subnet has a route to the internet (0.0.0.0/0)"


def missing_route(subnet: str) -> str:
    return f"Subnet {subnet} has no route to 0.0.0.0/0, so the installer cannot reach the internet"


def no_route_table(subnets: Sequence[str]) -> str:
    return (
        f"CAD found no route table for {_listing(subnets)}, neither one of its own nor its "
        "VPC's main route table, so its route to the internet was not checked"
    )


# --- reasons given to silence and escalate -------------------------------------------------------

ESCALATE_READY = "the cluster is ready although the provisioning-delay alert fired"
ESCALATE_NO_METADATA = "the installer has not started; a person needs to find out why"
ESCALATE_DNS = "the cluster's DNS is not ready; a person needs to find out why"
ESCALATE_AFTER_CHECKS = (
    "CAD found nothing it can fix in the cluster's network; a person needs to look at the "
    "installation"
)
SILENCE_ROUTE = (
    "the customer has been asked to add the missing route to the internet; the installation "
    "cannot go on until they do"
)
