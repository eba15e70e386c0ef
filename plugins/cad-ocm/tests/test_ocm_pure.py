"""Logic without I/O: hibernation timeline, documentation guard, settings, ccam matching."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime

import pytest
import requests
from cad_core.errors import MissingSettingError
from cad_core.plan.actions import EscalateIncident, LimitedSupport, SilenceIncident

from cad_ocm.ccam import credentials_removed, plan_for_state
from cad_ocm.docs_guard import check_documentation, cluster_product, find_mismatch
from cad_ocm.errors import DocumentationMismatchError
from cad_ocm.hibernation import hibernation_periods
from cad_ocm.http import error_reason, retry_after
from cad_ocm.precheck import on_aws
from cad_ocm.settings import DEFAULT_TOKEN_URL, Settings

ROSA = {"id": "c1", "product": {"id": "rosa"}}
OSD = {"id": "c1", "product": {"id": "OSD"}}


def log(summary: str, when: str) -> dict:
    return {"summary": summary, "timestamp": when, "log_type": "cluster-state-updates"}


# -- hibernation ------------------------------------------------------------------------


def test_hibernation_periods_follow_the_timeline_rules() -> None:
    logs = [
        log("cluster_state_ready", "2024-01-05T10:00:00Z"),
        log("cluster_state_hibernating", "2024-01-02T08:00:00Z"),
        log("cluster_state_ready", "2024-01-01T00:00:00Z"),  # after install: no start yet
        log("cluster_state_installing", "2023-12-31T23:00:00Z"),
        log("cluster_state_ready", "2024-01-03T09:30:00.5Z"),
        log("cluster_state_ready", "not a time"),
    ]
    periods = hibernation_periods(logs)
    start = datetime(2024, 1, 2, 8, tzinfo=UTC)
    assert periods == [
        {"hibernated": start, "resumed": datetime(2024, 1, 3, 9, 30, 0, 500000, tzinfo=UTC)},
        # upstream never clears the start, so a later "ready" closes a second period
        {"hibernated": start, "resumed": datetime(2024, 1, 5, 10, tzinfo=UTC)},
    ]


def test_no_hibernation_means_no_periods() -> None:
    assert hibernation_periods([log("cluster_state_ready", "2024-01-01T00:00:00Z")]) == []


# -- documentation guard --------------------------------------------------------------


def test_osd_link_on_a_rosa_cluster_is_refused_with_a_clear_message(ref) -> None:
    template = ref("managed_notifications_sl_customer_stopped_control_plane_node")
    with pytest.raises(DocumentationMismatchError) as caught:
        check_documentation("service log", template["summary"], template["description"], ROSA)
    message = str(caught.value)
    assert caught.value.kind == "service log"
    assert "https://docs.openshift.com/dedicated/osd_architecture/osd_policy/" in message
    assert "OpenShift Dedicated (OSD) documentation" in message
    assert "this cluster is Red Hat OpenShift Service on AWS (ROSA)" in message
    assert "by hand" in message and template["summary"] in message


@pytest.mark.parametrize(
    "name",
    [
        "managed_notifications_sl_customer_stopped_infra_node",
        "managed_notifications_sl_uwm_misconfiguration",
    ],
)
def test_rosa_links_on_an_osd_cluster_are_refused(ref, name: str) -> None:
    template = ref(name)
    with pytest.raises(DocumentationMismatchError, match="is OpenShift Dedicated"):
        check_documentation(
            "limited support reason", template["summary"], template["description"], OSD
        )
    # The same text fits a ROSA cluster: no mismatch, so the guard lets it through.
    assert find_mismatch(template["description"], "rosa") is None
    check_documentation("service log", template["summary"], template["description"], ROSA)


def test_guard_is_off_for_other_products_and_passes_neutral_links() -> None:
    text = "See https://docs.openshift.com/dedicated/x.html and https://access.redhat.com/a"
    # On ROSA this text is refused; on OSD it fits; for other products the guard is off.
    with pytest.raises(DocumentationMismatchError):
        check_documentation("service log", "s", text, ROSA)
    assert find_mismatch(text, "osd") is None
    check_documentation("service log", "s", text, OSD)
    assert cluster_product({"product": {"id": "ocp"}}) is None
    check_documentation("service log", "s", text, {"product": {"id": "ocp"}})
    neutral = "https://access.redhat.com/solutions/1"
    assert find_mismatch(neutral, "rosa") is None and find_mismatch(neutral, "osd") is None
    check_documentation("service log", "s", neutral, ROSA)


def test_links_without_a_scheme_are_caught_too() -> None:
    text = "Read docs.redhat.com/en/documentation/openshift_dedicated/4/html/networking"
    assert find_mismatch(text, "rosa") == (
        "docs.redhat.com/en/documentation/openshift_dedicated",
        "osd",
    )


def test_trailing_punctuation_is_not_part_of_the_named_link() -> None:
    text = "Look at https://docs.openshift.com/rosa/welcome.html."
    assert find_mismatch(text, "osd") == ("https://docs.openshift.com/rosa/welcome.html", "rosa")


# -- settings ---------------------------------------------------------------------------


def test_every_missing_setting_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAD_OCM_URL", "CAD_OCM_CLIENT_ID", "CAD_OCM_CLIENT_SECRET", "BACKPLANE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingSettingError) as caught:
        Settings.from_env(backplane=True)
    assert caught.value.names == (
        "CAD_OCM_URL",
        "CAD_OCM_CLIENT_ID",
        "CAD_OCM_CLIENT_SECRET",
        "BACKPLANE_URL",
    )
    monkeypatch.setenv("CAD_OCM_URL", "https://api.example.com/")
    with pytest.raises(MissingSettingError) as caught:
        Settings.from_env()
    assert caught.value.names == ("CAD_OCM_CLIENT_ID", "CAD_OCM_CLIENT_SECRET")


def test_settings_defaults_and_secret_stays_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAD_OCM_URL", "https://api.example.com/")
    monkeypatch.setenv("CAD_OCM_CLIENT_ID", "id")
    monkeypatch.setenv("CAD_OCM_CLIENT_SECRET", "very-secret")
    monkeypatch.delenv("CAD_OCM_TOKEN_URL", raising=False)
    settings = Settings.from_env()
    assert settings.ocm_url == "https://api.example.com"
    assert settings.token_url == DEFAULT_TOKEN_URL
    assert "very-secret" not in repr(settings)


# -- HTTP helpers -----------------------------------------------------------------------


def reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    return response


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after(reply(429, b"", {"Retry-After": "7"})) == 7.0
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after(reply(503, b"", {"Retry-After": later})) or 0) <= 31
    assert retry_after(reply(503, b"")) is None
    assert retry_after(reply(503, b"", {"Retry-After": "soon"})) is None


def test_error_reason_prefers_the_servers_explanation(ref) -> None:
    import json

    ocm = json.dumps(ref("ocm_error_response_example")).encode()
    assert error_reason(reply(401, ocm)).startswith("Request doesn't contain the 'Authorization'")
    assert error_reason(reply(500, b'{"statusCode": 500, "message": "boom"}')) == "boom"
    assert error_reason(reply(502, b"<html>bad  gateway</html>")) == "<html>bad gateway</html>"


# -- precheck and ccam helpers ------------------------------------------------------------


def test_on_aws_uses_the_provider_and_falls_back_to_the_aws_section(ref) -> None:
    assert on_aws(ref("ocm_cluster_osd_aws_nonccs"))  # no "aws" section, provider aws
    assert on_aws(ref("ocm_cluster_rosa_classic_sts"))
    assert not on_aws({"cloud_provider": {"id": "gcp"}})
    assert on_aws({"aws": {}}) and not on_aws({})


REMOVED_TEXTS = [
    "Failed to find trusted relationship to support role 'RH-Technical-Support-Access'",
    "User: arn:aws:sts::123456789012:assumed-role/RH-Managed-OpenShift-Installer/OCM is not "
    "authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/Support-Role",
    "Support role, used with cluster '2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q', does not exist in "
    "the customer's AWS account",
    "could not assume support role in customer's account: operation error STS: AssumeRole, "
    "https response error StatusCode: 403, api error AccessDenied: not authorized",
    "User: arn:aws:sts::1:assumed-role/ManagedOpenShift-Support-Role/x is not authorized to "
    "perform: iam:GetRole on resource: role ManagedOpenShift-Installer-Role",
]


@pytest.mark.parametrize("text", REMOVED_TEXTS)
def test_each_removed_credentials_text_is_recognised(text: str) -> None:
    assert credentials_removed(RuntimeError(f"backplane said: {text} (request 42)"))


@pytest.mark.parametrize(
    "text",
    [
        "backplane GET /backplane/cloud/credentials/x failed with HTTP 503: try later",
        "Support role, used with cluster 'SHORT', does not exist in the customer's AWS account",
        "could not assume support role in customer's account: Throttling: slow down",
    ],
)
def test_other_credentials_failures_are_not_recognised(text: str) -> None:
    assert not credentials_removed(RuntimeError(text))


def test_ccam_plan_per_cluster_state() -> None:
    ready = plan_for_state("ready")
    assert [type(a) for a in ready] == [LimitedSupport, SilenceIncident]
    assert ready[0].context == "CCAM"
    assert [type(a) for a in plan_for_state("uninstalling")] == [SilenceIncident]
    escalate = plan_for_state("hibernating")
    assert [type(a) for a in escalate] == [EscalateIncident]
    assert "'hibernating'" in escalate[0].reason
