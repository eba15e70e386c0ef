"""One botocore session and its clients per process, without mixing runs up.

Whole runs against real sandbox worlds (real boto3 over HTTPS on loopback). Like the real
backplane, the sandbox hands out fresh credentials for every run, so every run gets
clients of its own (built from the one shared session) that reach its own world only.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from cad_sandbox.commands import run_scenario
from cad_sandbox.fixtures import bundled_scenarios

from cad_ocm import awsclients

STOPPED = "chgm-customer-stopped-instances"


def aws_requests(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in requests if entry["service"] == "aws"]


@pytest.mark.usefixtures("fast_scenario_runs")
def test_runs_in_one_process_share_the_session_and_keep_their_own_endpoints() -> None:
    assert STOPPED in bundled_scenarios("chgm-")
    first = run_scenario(STOPPED, runs=2)
    session = awsclients._session
    built = awsclients.clients_built()
    second = run_scenario(STOPPED, runs=2)

    assert first.check() == [] and second.check() == []
    assert awsclients._session is session  # one session for the process
    # Fresh credentials per run: EC2 and CloudTrail clients of its own for each run.
    assert awsclients.clients_built() == built + 4
    # Each world saw the AWS calls of both of its runs: no client reached the other world.
    assert len(aws_requests(first.requests)) == len(aws_requests(second.requests)) > 0
    assert len(aws_requests(first.requests)) % 2 == 0


def test_different_credentials_or_regions_never_share_a_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9")
    one = awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t1"))
    assert awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t1")) is one
    others = [
        awsclients.shared_client("ec2", "us-east-1", ("AKIA2", "s1", "t1")),
        awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t2")),
        awsclients.shared_client("ec2", "eu-west-1", ("AKIA1", "s1", "t1")),
        awsclients.shared_client("cloudtrail", "us-east-1", ("AKIA1", "s1", "t1")),
    ]
    assert len({id(client) for client in [one, *others]}) == 5
    frozen = others[0]._request_signer._credentials.get_frozen_credentials()
    assert (frozen.access_key, frozen.token) == ("AKIA2", "t1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:10")
    moved = awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t1"))
    assert moved is not one
    assert (one.meta.endpoint_url, moved.meta.endpoint_url) == (
        "https://127.0.0.1:9",
        "https://127.0.0.1:10",
    )


def test_a_changed_config_file_means_a_new_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t1"))
    before = awsclients._session
    config = tmp_path / "config"
    config.write_text("[default]\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    awsclients.shared_client("ec2", "us-east-1", ("AKIA1", "s1", "t1"))
    assert awsclients._session is not before


def test_concurrent_runs_build_one_client_per_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:11")
    results: list[Any] = []
    start = threading.Barrier(8)

    def build() -> None:
        start.wait()
        results.append(awsclients.shared_client("ec2", "us-east-2", ("AKIA9", "s", "t")))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in results}) == 1


def test_a_client_with_its_own_options_is_built_for_the_caller_alone() -> None:
    from botocore.config import Config

    from cad_ocm.aws import session_from_reply

    reply = {"credentials": '{"AccessKeyID": "A", "SecretAccessKey": "S", "SessionToken": "T"}'}
    session = session_from_reply(reply, "us-east-1")
    shared = session.client("ec2")
    assert session.client("ec2") is shared
    assert session.client("ec2", config=Config(connect_timeout=3)) is not shared
    assert session.get_credentials().access_key == "A"


@pytest.mark.parametrize("service", ["ec2", "cloudtrail"])
def test_the_plain_dict_loader_reads_every_model_exactly_as_botocore_does(service: str) -> None:
    """Same content and the same key order (shapes' members are serialised in order)."""
    import json

    import botocore.loaders

    ours = botocore.loaders.create_loader()
    ours.file_loader = awsclients.PlainJSONFileLoader()
    theirs = botocore.loaders.create_loader()
    for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
        mine, botocores = (x.load_service_model(service, kind) for x in (ours, theirs))
        assert json.dumps(mine) == json.dumps(botocores)
    for name in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        assert json.dumps(ours.load_data(name)) == json.dumps(theirs.load_data(name))


def test_the_shared_session_loads_models_with_the_plain_dict_loader() -> None:
    with awsclients._lock:
        session = awsclients._shared_session()
    loader = session._session.get_component("data_loader")
    assert isinstance(loader.file_loader, awsclients.PlainJSONFileLoader)
