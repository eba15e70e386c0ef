"""cad-ocm's simulators for ``cad sandbox``: OCM (clusters_mgmt, service_logs, accounts_mgmt),
Red Hat SSO, backplane with the kube API behind its remediation proxy and the egress
verdict; and AWS (EC2 and CloudTrail, behind one endpoint as botocore sends them).

Declared through ``cad_sandbox_simulators``; only the sandbox calls that hook, so a run
never imports this package. Nothing here imports cad-sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator

from cad_core.plugins.simulation import SandboxSimulator


def simulators() -> Iterator[SandboxSimulator]:
    from cad_ocm.sandbox import aws, hosts, state
    from cad_ocm.sandbox.aws_scenario import Aws
    from cad_ocm.sandbox.kube_scenario import Kube
    from cad_ocm.sandbox.scenario import Egress, Ocm

    yield SandboxSimulator(
        name="ocm",
        description="OCM, SSO, backplane, the kube API (cluster and management) and egress",
        sections={
            "ocm": Ocm,
            "kube": Kube,
            # The HCP cluster's management cluster (backplane remediations with
            # managingCluster=management); same shape as kube.
            "management_kube": Kube,
            "egress": Egress,
        },
        seed=state.seed,
        hosts=hosts.hosts,
        services=hosts.SERVICES,
        render=state.render,
        describe=state.describe,
        exports=hosts.exported_settings,
        is_write=hosts.is_write,
        writes=state.WRITES,
    )

    yield SandboxSimulator(
        name="aws",
        description="AWS: EC2 Describe* and CloudTrail LookupEvents",
        sections={"aws": Aws},
        seed=aws.seed,
        hosts=aws.hosts,
        services={"aws": "aws"},
        exports=aws.exported_settings,
        is_write=aws.is_write,
    )
