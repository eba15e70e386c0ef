"""The value parsers the kube client offers (``kube.quantity``, ``kube.timestamp``), shared by
clustertools, consoleerrorbudgetburn, machinehealthcheck, pdbblockingnodedrain and
restartcontrolplane: on what the apiserver writes, on garbage, and on a node read through a
real client from the sandbox's kube simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cad_core.run.context import Resources
from hypothesis import given
from hypothesis import strategies as st

from cad_ocm.kube import KubeClient

quantity, timestamp = KubeClient.quantity, KubeClient.timestamp
KI, MI, GI = 2**10, 2**20, 2**30
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# Values as the apiserver and the kubelet write them: a node's status.capacity and
# status.allocatable on an m5.xlarge worker, metrics-server's node usage (nanocores and
# Ki), pod requests as people write them, and resource.Quantity's other canonical forms.
QUANTITIES = [
    ("4", 4.0),  # capacity.cpu
    ("3500m", 3.5),  # allocatable.cpu
    ("16374624Ki", 16374624.0 * KI),  # capacity.memory
    ("15223648Ki", 15223648.0 * KI),  # allocatable.memory
    ("125293548Ki", 125293548.0 * KI),  # capacity.ephemeral-storage
    ("114396791822", 114396791822.0),  # allocatable.ephemeral-storage: plain bytes
    ("250", 250.0),  # pods
    ("0", 0.0),  # hugepages-1Gi
    ("123456789n", 123456789 * 1e-9),  # usage.cpu from metrics-server
    ("5820728Ki", 5820728.0 * KI),  # usage.memory
    ("100m", 0.1),
    ("200Mi", 200.0 * MI),
    ("1Gi", float(GI)),
    ("0.5", 0.5),
    ("1.5Gi", 1.5 * GI),
    ("500u", 500 * 1e-6),
    ("2k", 2000.0),
    ("12M", 12e6),
    ("1G", 1e9),
    ("3T", 3e12),
    ("1P", 1e15),
    ("2E", 2e18),  # E alone is exa ...
    ("1e3", 1000.0),  # ... followed by digits, an exponent
    ("12E6", 12e6),
    ("5e-3", 0.005),
    ("1Ti", 2.0**40),
    ("1Pi", 2.0**50),
    ("1Ei", 2.0**60),
    ("-1", -1.0),
    ("+2", 2.0),
    (".5", 0.5),
    ("5.", 5.0),
    (" 4 ", 4.0),  # the apiserver trims a quantity's JSON text
    (4, 4.0),  # a JSON number, as the apiserver also accepts
    (0.25, 0.25),
]
NOT_QUANTITIES = [
    "", " ", "Ki", "m", "1e", "1.2.3", "1 Gi", "1gi", "1K", "1KiB", "0x10", "1_000", "inf",
    "nan", "Infinity", "1e999", "١٢", "12%", "-", ".", "e3", "1e3Ki", None, True, False,
    float("nan"), float("inf"), 10**400, [], {}, ["4"],
]  # fmt: skip

TIMESTAMPS = [
    ("2026-03-01T11:20:00Z", datetime(2026, 3, 1, 11, 20, tzinfo=UTC)),  # metav1.Time
    ("2026-03-01T11:20:00.123456Z", datetime(2026, 3, 1, 11, 20, 0, 123456, tzinfo=UTC)),
    ("2026-03-01T11:20:00.123456789Z", datetime(2026, 3, 1, 11, 20, 0, 123456, tzinfo=UTC)),
    ("2026-03-01T11:20:00.1234567891Z", datetime(2026, 3, 1, 11, 20, 0, 123456, tzinfo=UTC)),
    ("2026-03-01T11:20:00.5Z", datetime(2026, 3, 1, 11, 20, 0, 500000, tzinfo=UTC)),
    (
        "2026-03-01T12:20:00+01:00",
        datetime(2026, 3, 1, 12, 20, tzinfo=timezone(timedelta(hours=1))),
    ),
    (
        "2026-03-01T06:20:00-05:00",
        datetime(2026, 3, 1, 6, 20, tzinfo=timezone(-timedelta(hours=5))),
    ),
]
NOT_TIMESTAMPS = [
    "", "2026-03-01", "2026-03-01T11:20:00", "2026-03-01 11:20:00Z", "2026-03-01t11:20:00z",
    "20260301T112000Z", "2026-03-01T11:20Z", "2026-02-30T00:00:00Z", "2026-03-01T24:00:00Z",
    "2026-03-01T11:20:00+24:00", "2026-03-01T11:20:00.Z", "2026-03-01T11:20:00,5Z",
    " 2026-03-01T11:20:00Z", "-40m", "٢٠٢٦-03-01T11:20:00Z", 1772364000, None, True,
    NOW, [],
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), QUANTITIES)
def test_quantities_as_the_apiserver_writes_them(text: Any, expected: float) -> None:
    assert quantity(text) == expected


@pytest.mark.parametrize("text", NOT_QUANTITIES)
def test_anything_else_is_no_quantity(text: Any) -> None:
    assert quantity(text) is None


@pytest.mark.parametrize(("text", "expected"), TIMESTAMPS)
def test_timestamps_as_the_apiserver_writes_them(text: str, expected: datetime) -> None:
    parsed = timestamp(text)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", NOT_TIMESTAMPS)
def test_anything_else_is_no_timestamp(text: Any) -> None:
    assert timestamp(text) is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)
QUANTITY_LIKE = st.from_regex(r"[ +\-]?[0-9.]{0,12}([eE][+\-]?[0-9]{0,5})?[numkKMGTPEi]{0,3} ?")
TIMESTAMP_LIKE = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
    fullmatch=True,
)


@given(JSON_VALUES | QUANTITY_LIKE)
def test_a_quantity_is_a_finite_number_or_none_and_never_raises(value: Any) -> None:
    parsed = quantity(value)
    assert parsed is None or (isinstance(parsed, float) and abs(parsed) < float("inf"))


@given(JSON_VALUES | TIMESTAMP_LIKE)
def test_a_timestamp_is_an_aware_datetime_or_none_and_never_raises(value: Any) -> None:
    parsed = timestamp(value)
    assert parsed is None or parsed.utcoffset() is not None


@given(
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"]),
)
def test_every_suffix_scales_its_number(number: int, suffix: str) -> None:
    factors = {"": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9,
               "T": 1e12, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}  # fmt: skip
    assert quantity(f"{number}{suffix}") == number * factors[suffix]


@given(st.datetimes(timezones=st.just(UTC)))
def test_every_time_reads_back_as_written(moment: datetime) -> None:
    whole = moment.replace(microsecond=0)
    assert timestamp(whole.isoformat().replace("+00:00", "Z")) == whole  # metav1.Time
    micro = moment.isoformat(timespec="microseconds").replace("+00:00", "Z")  # MicroTime
    assert timestamp(micro) == moment


NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "name": "ip-10-0-1-1",
    "metadata": {"creationTimestamp": "-2d"},
    "spec": {"taints": [{"key": "k", "effect": "NoSchedule", "timeAdded": "-40m"}]},
    "status": {
        "capacity": {"cpu": "4", "memory": "16374624Ki", "pods": "250"},
        "allocatable": {"cpu": "3500m", "memory": "15223648Ki", "pods": "250"},
    },
}
NODE_METRICS = {
    "apiVersion": "metrics.k8s.io/v1beta1",
    "kind": "NodeMetrics",
    "resource": "nodes",
    "name": "ip-10-0-1-1",
    "fields": {"usage": {"cpu": "1234567890n", "memory": "5820728Ki"}},
}


def test_a_node_read_through_the_client_from_the_kube_simulator(
    running: Any, scenario_data: Any, ids: Any, ocm_registry: Any
) -> None:
    running(scenario_data(kube={"objects": [NODE, NODE_METRICS]}), now=NOW)
    resources = Resources(ocm_registry.resources(), cluster_id=ids.cluster)
    try:
        kube = resources.scoped("kubevalues").get("kube")
        [node] = kube.list_objects("v1", "nodes")
        [usage] = kube.list_objects("metrics.k8s.io/v1beta1", "nodes")
    finally:
        resources.close()
    status = node["status"]
    assert kube.quantity(status["capacity"]["memory"]) == 16374624.0 * KI
    assert kube.quantity(status["allocatable"]["cpu"]) == 3.5
    assert kube.quantity(usage["usage"]["cpu"]) == 1234567890 * 1e-9
    assert kube.timestamp(node["metadata"]["creationTimestamp"]) == NOW - timedelta(days=2)
    taint = node["spec"]["taints"][0]
    assert kube.timestamp(taint["timeAdded"]) == NOW - timedelta(minutes=40)
