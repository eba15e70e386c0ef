"""cad-ocm's simulators for ``cad sandbox``: AWS (EC2 and CloudTrail, behind one endpoint as
botocore sends them).

Declared through ``cad_sandbox_simulators``; only the sandbox calls that hook, so a run
never imports this package. Nothing here imports cad-sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator

from cad_core.plugins.simulation import SandboxSimulator


def simulators() -> Iterator[SandboxSimulator]:
    from cad_ocm.sandbox import aws
    from cad_ocm.sandbox.aws_scenario import Aws

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
