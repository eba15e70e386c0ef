"""A management-cluster remediation (an HCP cluster's, opened with managingCluster=management
on the hosted cluster's id) takes the grant ledger's safe path, as the cluster's own does:
written down and forgotten on close; a SIGTERM between backplane's answer and the ledger
entry waits, then deletes it; after a SIGKILL, deleted with managingCluster=management
by the next run that opens either kind for that cluster. Entries of the format before
management grants existed still verify; doctored ones are left alone. Against the sandbox
over real HTTPS; the killed runs are real processes, SIGKILLed while holding a grant."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cad_core.run.context import Resources

CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"
INVESTIGATION = "restartcontrolplane"  # any name: it only names the remediation (its RBAC)
REMEDIATIONS = f"/backplane/remediation/{CLUSTER}"
WORLD: dict[str, Any] = {
    "name": "management-grants",
    "ocm": {
        "clusters": [
            {
                "id": CLUSTER,
                "name": "cluster-a",
                "state": "ready",
                "product": "rosa",
                "cloud_provider": "aws",
                "ccs": True,
                "hcp": True,
            }
        ]
    },
}
# A run that opens one kind of remediation and is SIGKILLed while it holds it.
KILLED_RUN = """
import os, signal, sys
from cad_core.plugins.registry import build_registry
from cad_core.run.context import Resources
resources = Resources(build_registry(entry_points=True).resources(), cluster_id=sys.argv[1])
resources.scoped(sys.argv[2]).get(sys.argv[3])
os.kill(os.getpid(), signal.SIGKILL)
"""
PREVIOUS_FIELDS = ("cluster_id", "instance_id", "name", "expires", "owner", "host", "pid")
PREVIOUS_FIELDS += ("created", "heartbeat")  # an entry's fields before managing_cluster


@pytest.fixture
def box(sandbox: Any, sandbox_env: Any) -> Any:
    started = sandbox(WORLD)
    sandbox_env(started)
    return started


def ledger() -> Path:
    return Path(os.environ["CAD_STATE_DIR"]) / "remediations"  # the test's own (conftest)


def entries() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in ledger().glob("*/*.json")}


def signed(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with a MAC made by hand as the ledger's format says: HMAC-SHA256 over the
    sorted compact JSON, keyed by an HMAC of the OCM client secret."""
    secret = os.environ["CAD_OCM_CLIENT_SECRET"].encode()
    key = hmac.new(secret, b"cad-ocm grant ledger v1", hashlib.sha256).digest()
    text = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return {**fields, "mac": hmac.new(key, text, hashlib.sha256).hexdigest()}


def deletes(box: Any) -> list[str]:
    """The query strings of the DELETEs of this cluster's remediations, in order."""
    return [
        "&".join(sorted(str(r.get("query", "")).split("&")))
        for r in box.requests
        if r["method"] == "DELETE" and r["path"] == REMEDIATIONS
    ]


def killed_run_holding(box: Any, resource: str) -> tuple[str, dict[str, Any]]:
    """A run in another process opens ``resource`` and is SIGKILLed: its remediation's id
    and its ledger entry, left behind."""
    before = set(box.world.remediations)
    command = [sys.executable, "-c", KILLED_RUN, CLUSTER, INVESTIGATION, resource]
    killed = subprocess.run(command, env=dict(os.environ), capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-3000:]
    [instance] = set(box.world.remediations) - before
    [entry] = [e for e in entries().values() if e["instance_id"] == instance]
    assert entry["pid"] != os.getpid()
    return instance, entry


def open_in_this_run(ocm_registry: Any, resource: str) -> Any:
    resources = Resources(ocm_registry.resources(), cluster_id=CLUSTER)
    return resources.scoped(INVESTIGATION).get(resource)


def test_a_management_remediation_is_written_down_and_forgotten_on_close(
    box: Any, ocm_registry: Any
) -> None:
    management = open_in_this_run(ocm_registry, "management_cluster")
    [instance] = box.world.management_remediations
    [(name, entry)] = entries().items()
    assert name == f"management+{instance}.json"  # under the hosted cluster's id
    assert (entry["cluster_id"], entry["instance_id"]) == (CLUSTER, instance)
    assert (entry["managing_cluster"], entry["name"]) == ("management", INVESTIGATION)
    assert entry["mac"] and entry["pid"] == os.getpid()
    management.close()
    assert box.world.remediations == {}
    assert deletes(box) == [f"managingCluster=management&remediationInstanceId={instance}"]
    assert entries() == {}


def test_a_killed_runs_management_grant_is_deleted_by_the_next_run_opening_kube(
    box: Any, ocm_registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    instance, entry = killed_run_holding(box, "management_cluster")
    assert entry["managing_cluster"] == "management"
    assert box.world.management_remediations == {instance}  # leaked, as a SIGKILL leaves it
    caplog.set_level(logging.WARNING, "cad.ocm")
    kube = open_in_this_run(ocm_registry, "kube")  # the cluster's own: it sweeps both kinds
    assert deletes(box) == [f"managingCluster=management&remediationInstanceId={instance}"]
    assert box.world.management_remediations == set()
    assert f"left on the management cluster of cluster {CLUSTER}" in caplog.text
    kube.close()
    assert box.world.remediations == {}
    assert entries() == {}


def test_an_entry_of_the_previous_format_verifies_and_means_the_clusters_own(
    box: Any, ocm_registry: Any
) -> None:
    instance, entry = killed_run_holding(box, "kube")
    # Written as the version before management grants wrote it: these fields, this MAC.
    previous = signed({name: entry[name] for name in PREVIOUS_FIELDS})
    assert entry == previous  # the cluster's own entries are written as before
    [path] = ledger().glob("*/*.json")
    path.write_text(json.dumps(previous))  # what the previous version wrote, to the byte
    management = open_in_this_run(ocm_registry, "management_cluster")  # sweeps both kinds too
    assert deletes(box) == [f"remediationInstanceId={instance}"]
    assert set(box.world.remediations) == set(box.world.management_remediations)
    management.close()
    assert box.world.remediations == {} and entries() == {}


def test_a_doctored_management_entry_is_left_alone(
    box: Any, ocm_registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    instance, entry = killed_run_holding(box, "management_cluster")
    folder = ledger() / CLUSTER
    (folder / f"management+{instance}.json").unlink()
    # The same signed entry made to claim the cluster's own remediation: its MAC covers
    # managing_cluster, so it no longer verifies.
    stripped = {k: v for k, v in entry.items() if k != "managing_cluster"}
    (folder / f"{instance}.json").write_text(json.dumps(stripped))
    # One signed with CAD's key but naming a cluster kind CAD does not know: unreadable.
    fields = {k: v for k, v in entry.items() if k != "mac"} | {"managing_cluster": "hub"}
    (folder / "hub+x.json").write_text(json.dumps(signed(fields)))
    caplog.set_level(logging.WARNING, "cad.ocm")
    kube = open_in_this_run(ocm_registry, "kube")
    kube.close()
    assert box.world.management_remediations == {instance}  # never deleted: not provably CAD's
    [own] = deletes(box)  # only the run's own, at its close
    assert "managingCluster" not in own
    assert f"leaving remediation {instance} on cluster {CLUSTER} alone" in caplog.text
    assert "ignoring the unreadable grant entry" in caplog.text and "hub" in caplog.text


def test_sigterm_while_the_management_post_is_in_flight_deletes_what_it_opened(
    sandbox: Any, sandbox_env: Any, ocm_registry: Any
) -> None:
    from cad_core.run.shutdown import Terminated, clean_exit_on_sigterm

    # Backplane holds the POST's answer a while (then creates the remediation and answers):
    # the SIGTERM lands between the request and the ledger entry.
    held = {"service": "backplane", "path": REMEDIATIONS, "method": "POST", "kind": "timeout"}
    box = sandbox({**WORLD, "faults": [{**held, "times": 1}]}, timeout_sleep_s=1)
    sandbox_env(box)

    def terminate_once_held() -> None:
        for _ in range(2400):
            if any(r["status"] == "timeout" for r in box.requests):
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.005)

    threading.Thread(target=terminate_once_held, daemon=True).start()
    with pytest.raises(Terminated), clean_exit_on_sigterm():
        open_in_this_run(ocm_registry, "management_cluster")
    assert box.world.remediations == {}  # opened, then deleted on the way out
    [deleted] = deletes(box)
    assert deleted.startswith("managingCluster=management&remediationInstanceId=")
    assert entries() == {}
