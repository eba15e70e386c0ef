"""The Prometheus sink against a real Pushgateway process started by the test."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

from cad_core.run.metrics import (
    ACTION,
    ALERT_RECEIVED,
    MANUAL_COMPLETED,
    SERVICELOG_PREPARED,
    MetricEvent,
    PrometheusSink,
)

BINARY = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pushgateway() -> Iterator[str]:
    if BINARY is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus-pushgateway is not installed; .ci/run installs it")
        pytest.skip(
            "prometheus-pushgateway is not installed (apt-get install prometheus-pushgateway)"
        )
    port = free_port()
    process = subprocess.Popen(
        [BINARY, f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the Pushgateway did not become ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        return str(response.read().decode())


def action(status: str, kind: str = "limited_support") -> MetricEvent:
    labels = {
        "type": kind,
        "status": status,
        "investigation": "chgm",
        "context": "StoppedInstances",
        "executor": "x",
    }
    return MetricEvent(ACTION, labels, 0.25)


def test_counters_reach_the_pushgateway(pushgateway: str) -> None:
    sink = PrometheusSink(pushgateway)
    sink.record(MetricEvent(ALERT_RECEIVED, {"alert_type": "chgm"}))
    sink.record(action("succeeded"))
    sink.record(action("skipped_duplicate"))
    sink.record(action("succeeded", "service_log"))
    sink.record(MetricEvent(SERVICELOG_PREPARED, {"alert_type": "cpd"}))
    sink.record(
        MetricEvent(
            MANUAL_COMPLETED, {"alert_type": "chgm", "status": "success", "dry_run": "false"}
        )
    )
    sink.flush()
    text = scrape(pushgateway)
    assert 'cad_investigate_alerts_total{alert_type="chgm",instance="",job="cad"} 1' in text
    assert (
        'cad_investigate_limitedsupport_set_total{alert_type="chgm",instance="",job="cad",'
        'ls_summary="StoppedInstances"} 1'
    ) in text
    assert (
        'cad_investigate_servicelog_sent_total{alert_type="chgm",instance="",job="cad"} 1' in text
    )
    assert (
        'cad_investigate_servicelog_prepared_total{alert_type="cpd",instance="",job="cad"} 1'
        in text
    )
    assert (
        'cad_investigate_actions_total{instance="",job="cad",status="skipped_duplicate",'
        'type="limited_support"} 1'
    ) in text
    assert "cad_investigate_action_duration_seconds_count{" in text
    assert (
        'cad_investigate_manual_completed_total{alert_type="chgm",dry_run="false",'
        'instance="",job="cad",status="success"} 1'
    ) in text


def test_unset_gateway_pushes_nothing_and_does_not_fail(caplog: pytest.LogCaptureFixture) -> None:
    sink = PrometheusSink(None)
    sink.record(action("succeeded"))
    assert sink._registry is None  # nothing to push, so nothing is counted
    with caplog.at_level(logging.INFO, logger="cad.metrics"):
        sink.flush()
        sink.flush()  # said once per batch of events, not at every flush
    assert [r.getMessage() for r in caplog.records] == [
        "CAD_PROMETHEUS_PUSHGATEWAY is not set; metrics were not pushed"
    ]


def test_unreachable_gateway_raises_for_the_dispatcher_to_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from cad_core.run.metrics import Dispatcher

    gateway = f"http://127.0.0.1:{free_port()}"
    sink = PrometheusSink(gateway)
    sink.record(action("succeeded"))
    with pytest.raises(OSError):  # the sink itself raises (URLError is an OSError)...
        sink.flush()
    sink.record(action("succeeded"))
    with caplog.at_level(logging.WARNING, logger="cad.metrics"):
        Dispatcher({"prometheus": sink}).flush()  # ...and the dispatcher logs it, never raises
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("metrics sink prometheus failed to flush: ")
