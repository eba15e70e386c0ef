"""``owner_ban``, ``registry_credentials`` and ``egress_verification`` through cad-ocm's entry
point, against the sandbox's OCM simulator and stand-in verifier over real HTTPS."""

from __future__ import annotations

import pytest
from cad_core.plugins.registry import build_registry
from cad_core.run.context import Resources

CLUSTER_ID = "2owner0cluster0id0000000000000aa"


def scenario(owner=None, egress=None, region_known=True):
    cluster = {"id": CLUSTER_ID, "name": "cluster-o", "organization_id": "org-7"}
    if owner is not None:
        cluster["owner"] = owner
    return {"ocm": {"clusters": [cluster]}, "egress": egress or {"result": "success"}}


@pytest.fixture
def resources(sandbox, sandbox_env):
    made = []

    def make(world):
        sandbox_env(sandbox(world))
        registry = build_registry(entry_points=True)
        built = Resources(registry.resources(), cluster_id=CLUSTER_ID)
        made.append(built)
        return built

    yield make
    for built in made:
        built.close()


def test_ocm_owner_in_good_standing_has_no_ban(resources):
    built = resources(scenario())
    assert built.get("owner_ban") == {"banned": False, "code": "", "description": ""}
    assert built.get("owner")["email"] == "owner@org-7.example.com"
    assert built.get("registry_credentials") == []


def test_ocm_a_banned_owner_has_code_and_description(resources):
    owner = {
        "banned": True,
        "ban_code": "export_control_compliance",
        "ban_description": "Held for an export review",
    }
    assert resources(scenario(owner)).get("owner_ban") == {
        "banned": True,
        "code": "export_control_compliance",
        "description": "Held for an export review",
    }


def test_ocm_registry_credentials_carry_the_registry_name(resources):
    owner = {
        "email": "someone@example.com",
        "registry_credentials": [
            {"registry": "registry.redhat.io", "username": "u1", "token": "t1"},
            {"registry": "quay.io", "username": "u2", "token": "t2"},
        ],
    }
    credentials = resources(scenario(owner)).get("registry_credentials")
    assert [(c["registry"], c["username"], c["token"]) for c in credentials] == [
        ("registry.redhat.io", "u1", "t1"),
        ("quay.io", "u2", "t2"),
    ]
    assert all(c["registry_id"].startswith("reg-") for c in credentials)


@pytest.mark.parametrize(
    "egress, expected",
    [
        ({"result": "success"}, {"outcome": "success", "blocked": [], "error": ""}),
        (
            {"result": "failure", "unreachable": ["nosnch.in:443"]},
            {"outcome": "failure", "blocked": ["nosnch.in:443"], "error": ""},
        ),
    ],
)
def test_ocm_egress_verification_is_the_verifiers_verdict(resources, egress, expected):
    built = resources(scenario(egress=egress))
    assert built.get("egress_verification") == expected
    # Built once per run: a second consumer gets the same verdict without a second probe.
    assert built.get("egress_verification") is built.get("egress_verification")


def test_ocm_an_egress_verifier_error_is_undefined_with_the_reason(resources):
    verdict = resources(scenario(egress={"result": "error"})).get("egress_verification")
    assert verdict["outcome"] == "undefined" and "exited with status 2" in verdict["error"]


def pull_secret_object(text):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "name": "pull-secret",
        "namespace": "openshift-config",
        "data": {".dockerconfigjson": text},
    }


def test_ocm_the_pull_secret_is_read_through_kube(resources):
    world = scenario()
    config = '{"auths": {"quay.io": {"auth": "dTp0", "email": "a@b"}, "x": {"auth": "eA=="}}}'
    world["kube"] = {"objects": [pull_secret_object(config)]}
    built = resources(world).scoped("upgradeconfigsyncfailureover4hr")
    assert built.get("pull_secret") == {
        "auths": {"quay.io": {"auth": "dTp0", "email": "a@b"}, "x": {"auth": "eA==", "email": ""}}
    }


def test_ocm_a_missing_or_unreadable_pull_secret_is_a_clear_error(resources):
    from cad_core.errors import NotFoundError, PermanentError, ResourceError

    built = resources(scenario()).scoped("upgradeconfigsyncfailureover4hr")
    with pytest.raises(ResourceError) as missing:
        built.get("pull_secret")
    assert isinstance(missing.value.cause, NotFoundError)
    world = scenario()
    world["kube"] = {"objects": [pull_secret_object("{not json, token=abc")]}
    built = resources(world).scoped("upgradeconfigsyncfailureover4hr")
    with pytest.raises(ResourceError) as unreadable:
        built.get("pull_secret")
    assert isinstance(unreadable.value.cause, PermanentError)
    assert "token=abc" not in str(unreadable.value)


@pytest.mark.parametrize(
    "owner, state, escalate",
    [
        (None, "not_banned", ""),
        (
            {"banned": True, "ban_code": "export_control_compliance", "ban_description": "x"},
            "export_control",
            "the owner is banned for export control compliance (see the SOP)",
        ),
        (
            {"banned": True, "ban_code": "fraud", "ban_description": "y"},
            "banned",
            "the owner is banned; the customer was asked to arrange a new owner",
        ),
    ],
)
def test_ocm_owner_ban_findings_word_the_ban_once(resources, owner, state, escalate):
    findings = resources(scenario(owner)).get("owner_ban_findings")
    assert (findings["state"], findings["escalate"]) == (state, escalate)
    assert findings["level"] == ("success" if state == "not_banned" else "warning")
    if owner is not None:
        assert owner["ban_code"] in findings["note"] or state == "export_control"
        assert owner["ban_description"] in findings["note"]


# An unreadable ban ("unknown", never "not banned") is ucs-row1 and oarf-row3, end to end.
