"""Run info and resources: immutable run facts, resources scoped to an investigation."""

from __future__ import annotations

from cad_core.run.context import Resources


def test_investigation_scoped_resources_are_built_once_per_investigation() -> None:
    from cad_core.plugins.registrations import Resource
    from cad_core.run.context import RunInfo

    built: list[str] = []

    def access(resources: Resources) -> str:
        built.append(resources.run.investigation)
        return f"access for {resources.run.investigation}"

    def cluster(resources: Resources) -> str:
        built.append("cluster")
        return "c"

    providers = {
        "kube": Resource("kube", access, scope="investigation"),
        "cluster": Resource("cluster", cluster),
    }
    run = Resources(providers, run=RunInfo("incident", cluster_id="c1"))
    first, second = run.scoped("first"), run.scoped("second")
    assert first.get("kube") == "access for first" and first.get("kube") == "access for first"
    assert second.get("kube") == "access for second"
    assert first.get("cluster") == second.get("cluster") == run.get("cluster")
    assert built == ["first", "second", "cluster"]  # run-scoped: one build for every view
    assert (first.run.investigation, run.run.investigation) == ("first", "")
    assert first.cluster_id == "c1"
