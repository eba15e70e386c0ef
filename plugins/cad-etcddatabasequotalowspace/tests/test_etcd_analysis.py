"""The analyser's CSV sections and the report made from them."""

from __future__ import annotations

from cad_etcddatabasequotalowspace import analysis

OUTPUT = """starting analysis
namespace,total_size_megabytes
big,10.5
small,not-a-number
namespace,name,total_size_megabytes,resourceType
big,"a,b",2.25,secrets
resourceType,total_size_megabytes
events,7
"""


def test_sections_are_read_by_their_headers_and_bad_rows_skipped() -> None:
    parsed = analysis.parse(OUTPUT)
    assert parsed.sections[analysis.NAMESPACES] == (analysis.Row("big", 10.5),)
    assert parsed.sections[analysis.LARGEST] == (analysis.Row("big/a,b", 2.25, "secrets"),)
    assert analysis.EVENTS not in parsed.sections
    assert not parsed.empty


def test_the_report_lists_each_section_that_has_rows() -> None:
    text = analysis.report(analysis.parse(OUTPUT))
    assert "Space used per namespace:\n1. big: 10.50 MB" in text
    assert "1. big/a,b: 2.25 MB (secrets)" in text
    assert "events" in text and "Space used by events" not in text


def test_output_without_headers_is_empty() -> None:
    assert analysis.parse("error: no snapshot\n").empty


def test_the_classic_job_mounts_each_host_path_volume_once() -> None:
    from cad_etcddatabasequotalowspace import jobs

    member = {
        "metadata": {"name": "etcd-a"},
        "spec": {
            "nodeName": "node-a",
            "containers": [
                {
                    "name": "etcdctl",
                    "image": "etcd:1",
                    "env": [{"name": "ETCDCTL_ENDPOINTS", "value": "https://x:2379"}],
                    "volumeMounts": [
                        {"name": "certs", "mountPath": "/a"},
                        {"name": "certs", "mountPath": "/b", "subPath": "b"},
                        {"name": "config", "mountPath": "/c"},  # not a host path: left out
                    ],
                }
            ],
            "volumes": [
                {"name": "certs", "hostPath": {"path": "/etc/kubernetes/certs"}},
                {"name": "config", "configMap": {"name": "c"}},
            ],
        },
    }
    job = jobs.classic_job("etcd-analysis-1", member, "analyser:1")
    assert job is not None
    pod = job["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["snapshot-volume", "certs"]
    [snapshot] = pod["initContainers"]
    assert snapshot["env"] == [] and len(snapshot["volumeMounts"]) == 3
    assert jobs.classic_job("x", {"spec": {"containers": []}}, "analyser:1") is None
