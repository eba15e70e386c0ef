"""``when`` filter trees: every operator, every field, laziness, short-circuits, sampling."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cad_core.config import filters
from cad_core.config.filters import FilterError, evaluate, keys, validate
from cad_core.plugins.registrations import FilterField, Resource
from cad_core.run.chains import filter_lookup
from cad_core.run.context import Alert, Resources
from cad_core.run.runner import ChainFailed, evaluate_filter

FAST = settings(max_examples=200, database=None, suppress_health_check=[HealthCheck.too_slow])

CLUSTER = {
    "id": "2abc",
    "external_id": "6f1d-0000",
    "name": "cluster-a",
    "state": "ready",
    "cloud_provider": {"id": "aws"},
    "hypershift": {"enabled": True},
}
ALERT = Alert(
    source="test",
    id="Q1",
    title="cluster-a has gone missing",
    cluster_id="2abc",
    service_name="prod-deadmanssnitch",
)
# The value filter_lookup gives every field for the world above.
EXPECTED = {
    "ClusterID": "2abc",
    "ClusterName": "cluster-a",
    "OrganizationID": "org-1",
    "OwnerID": "acc-7",
    "OwnerEmail": "jdoe@example.com",
    "CloudProvider": "aws",
    "HCP": "true",
    "ClusterState": "ready",
    "AlertName": "has gone missing",
    "AlertTitle": "cluster-a has gone missing",
    "ServiceName": "prod-deadmanssnitch",
}


def _from(resource: str, *path: str) -> Callable[[Resources], object]:
    def value(resources: Resources) -> object:
        found: Any = resources.get(resource)
        for key in path:
            found = found.get(key) if isinstance(found, Mapping) else None
        return found

    return value


# The fields a cluster plugin would register (cad-ocm's have these names): the core's
# filter engine knows them only through such registrations.
PLUGIN_FIELDS = {
    field.name: field
    for field in (
        FilterField("ClusterID", _from("cluster", "id")),
        FilterField("ClusterName", _from("cluster", "name")),
        FilterField("ClusterState", _from("cluster", "state")),
        FilterField("CloudProvider", _from("cluster", "cloud_provider", "id")),
        FilterField("HCP", lambda r: _from("cluster", "hypershift", "enabled")(r) or False),
        FilterField("OrganizationID", _from("organization_id")),
        FilterField("OwnerID", _from("owner", "id")),
        FilterField("OwnerEmail", _from("owner", "email")),
    )
}
KNOWN = [*filters.ALERT_FIELDS, *PLUGIN_FIELDS]


class World:
    """Fake ``cluster``/``organization_id``/``owner`` resources that count their builds."""

    def __init__(self, cluster: Mapping[str, Any] | None = None) -> None:
        self.builds: Counter[str] = Counter()
        self.cluster = dict(CLUSTER if cluster is None else cluster)
        values = {
            "cluster": lambda: self.cluster,
            "organization_id": lambda: "org-1",
            "owner": lambda: {"id": "acc-7", "email": "jdoe@example.com", "username": "jdoe"},
        }

        def factory(name: str) -> Callable[[Resources], object]:
            def build(_resources: Resources) -> object:
                self.builds[name] += 1
                return values[name]()

            return build

        self.resources = Resources(
            {name: Resource(name=name, factory=factory(name)) for name in values},
            cluster_id="2abc",
            alert=ALERT,
        )

    def lookup(self, alert: Alert | None = ALERT, name: str = "has gone missing"):
        return filter_lookup(self.resources, alert, name, PLUGIN_FIELDS)


def leaf(field: str, operator: str, *values: str) -> dict[str, Any]:
    node = {"field": field, "operator": operator, "values": list(values)}
    assert validate(node) == [], validate(node)
    return node


def test_expected_covers_every_field() -> None:
    assert set(EXPECTED) == set(KNOWN)
    assert filters.OPERATORS == ("in", "notin", "matches", "notmatches", "sample")


@pytest.mark.parametrize("field", KNOWN)
def test_every_field_through_filter_lookup(field: str) -> None:
    lookup = World().lookup()
    value = EXPECTED[field]
    assert lookup(field) == value
    assert evaluate(leaf(field, "in", "other", value), lookup)[0] is True
    assert evaluate(leaf(field, "in", "other"), lookup)[0] is False
    assert evaluate(leaf(field, "notin", value), lookup)[0] is False
    assert evaluate(leaf(field, "notin", "other"), lookup)[0] is True
    assert evaluate(leaf(field, "matches", "^" + value[:2]), lookup)[0] is True
    assert evaluate(leaf(field, "matches", "^zz", "zz$"), lookup)[0] is False
    assert evaluate(leaf(field, "notmatches", value[-1:] + "$"), lookup)[0] is False
    assert evaluate(leaf(field, "notmatches", "^zz"), lookup)[0] is True


def test_in_is_exact_and_case_sensitive() -> None:
    lookup = World().lookup()
    assert evaluate(leaf("CloudProvider", "in", "AWS"), lookup)[0] is False
    assert evaluate(leaf("CloudProvider", "in", "aw"), lookup)[0] is False
    assert evaluate(leaf("CloudProvider", "notin", "AWS"), lookup)[0] is True
    assert evaluate(leaf("ClusterName", "in", "cluster-a "), lookup)[0] is False


def test_matches_searches_anywhere_and_any_regex_counts() -> None:
    lookup = World().lookup()
    assert evaluate(leaf("AlertTitle", "matches", "gone"), lookup)[0] is True
    assert evaluate(leaf("AlertTitle", "matches", "^gone"), lookup)[0] is False
    assert evaluate(leaf("AlertTitle", "matches", "nope", "miss+ing$"), lookup)[0] is True
    assert evaluate(leaf("OwnerEmail", "notmatches", r"@redhat\.com$"), lookup)[0] is True
    assert evaluate(leaf("OwnerEmail", "notmatches", "nope", r"@example\."), lookup)[0] is False


def test_hcp_and_unpopulated_fields() -> None:
    classic = World({**CLUSTER, "hypershift": {"enabled": False}}).lookup()
    assert classic("HCP") == "false"
    bare = World({"id": "2abc"}).lookup(alert=None, name="")
    assert bare("HCP") == "false"
    for field in ("ClusterName", "ClusterState", "CloudProvider", "AlertName", "AlertTitle"):
        assert bare(field) == ""
        # Unpopulated fields fail `in` and pass `notin`, as upstream.
        assert evaluate(leaf(field, "in", "x"), bare)[0] is False
        assert evaluate(leaf(field, "notin", "x"), bare)[0] is True
    assert bare("ServiceName") == ""


def test_reasons_name_the_field_value_and_verdict() -> None:
    lookup = World().lookup()
    ok, why = evaluate(leaf("ClusterState", "in", "uninstalling"), lookup)
    assert (ok, why) == (False, "ClusterState='ready' in ['uninstalling']: rejected")
    assert evaluate(None, lookup) == (True, "no filter")


@pytest.mark.parametrize(
    ("node", "fetched"),
    [
        (leaf("ClusterName", "in", "cluster-a"), {"cluster": 1}),
        (leaf("AlertTitle", "matches", "gone"), {}),
        ({"operator": "sample", "values": ["1"]}, {}),
        (leaf("OrganizationID", "in", "org-1"), {"organization_id": 1}),
        (
            {"and": [leaf("OwnerID", "in", "acc-7"), leaf("OwnerEmail", "matches", "jdoe")]},
            {"owner": 1},
        ),
        (
            {"or": [leaf("ClusterID", "in", "x"), leaf("OrganizationID", "in", "org-1")]},
            {"cluster": 1, "organization_id": 1},
        ),
    ],
)
def test_org_and_owner_are_fetched_only_when_a_filter_reaches_them(
    node: dict[str, Any], fetched: dict[str, int]
) -> None:
    world = World()
    assert evaluate(node, world.lookup())[0] is True
    assert dict(world.builds) == fetched


def test_lookup_fetches_each_field_once_and_rejects_unknown_fields() -> None:
    world = World()
    lookup = world.lookup()
    node = {"and": [leaf("OwnerEmail", "matches", "jdoe"), leaf("OwnerEmail", "notin", "x")]}
    for _ in range(3):
        assert evaluate(node, lookup)[0] is True
    assert dict(world.builds) == {"owner": 1}
    with pytest.raises(FilterError, match="unknown filter field 'Colour'"):
        lookup("Colour")
    with pytest.raises(ChainFailed, match="evaluating a 'when' filter failed: unknown filter"):
        evaluate_filter({"field": "Colour", "operator": "in", "values": ["x"]}, lookup)


def test_a_failing_resource_fails_the_filter_as_a_chain_error() -> None:
    def broken(_resources: Resources) -> object:
        raise ConnectionError("OCM is down")

    resources = Resources({"organization_id": Resource(name="organization_id", factory=broken)})
    lookup = filter_lookup(resources, ALERT, "x", PLUGIN_FIELDS)
    with pytest.raises(ChainFailed, match="OCM is down"):
        evaluate_filter(leaf("OrganizationID", "in", "org-1"), lookup)


class Spy:
    """A lookup that remembers which fields were asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.asked: list[str] = []

    def __call__(self, field: str) -> str:
        self.asked.append(field)
        return self.values[field]


def test_and_short_circuits_on_the_first_rejection() -> None:
    spy = Spy(EXPECTED)
    node = {
        "and": [
            leaf("ClusterState", "in", "uninstalling"),
            leaf("OrganizationID", "in", "org-1"),
        ]
    }
    assert evaluate(node, spy) == (False, "ClusterState='ready' in ['uninstalling']: rejected")
    assert spy.asked == ["ClusterState"]
    spy.asked.clear()
    ok, why = evaluate(
        {"and": [leaf("ClusterState", "in", "ready"), leaf("HCP", "in", "true")]}, spy
    )
    assert (ok, why, spy.asked) == (
        True,
        "all of the 'and' filters passed",
        ["ClusterState", "HCP"],
    )


def test_or_short_circuits_on_the_first_pass() -> None:
    spy = Spy(EXPECTED)
    node = {"or": [leaf("CloudProvider", "in", "aws"), leaf("OwnerEmail", "matches", "x")]}
    assert evaluate(node, spy) == (True, "CloudProvider='aws' in ['aws']: passed")
    assert spy.asked == ["CloudProvider"]
    spy.asked.clear()
    node = {"or": [leaf("CloudProvider", "in", "gcp"), leaf("HCP", "in", "false")]}
    ok, why = evaluate(node, spy)
    assert ok is False
    assert why == (
        "none of the 'or' filters passed (CloudProvider='aws' in ['gcp']: rejected; "
        "HCP='true' in ['false']: rejected)"
    )
    assert spy.asked == ["CloudProvider", "HCP"]


def test_nested_trees_and_errors_propagate() -> None:
    spy = Spy(EXPECTED)
    node = {
        "and": [
            leaf("CloudProvider", "in", "aws"),
            {"or": [leaf("ClusterID", "in", "abc"), leaf("OrganizationID", "in", "org-1")]},
        ]
    }
    assert evaluate(node, spy)[0] is True
    unknown = {"field": "Nope", "operator": "in", "values": ["x"]}
    with pytest.raises(KeyError):
        evaluate({"and": [leaf("HCP", "in", "true"), unknown]}, spy)
    with pytest.raises(FilterError, match="unsupported operator 'eq'"):
        evaluate({"field": "HCP", "operator": "eq", "values": ["true"]}, spy)


def test_keys_depth_first_without_sample_leaves() -> None:
    node = {
        "and": [
            leaf("OwnerEmail", "matches", "x"),
            {"or": [{"operator": "sample", "values": ["0.1"]}, leaf("OrganizationID", "in", "o")]},
            leaf("ClusterID", "notin", "c"),
        ]
    }
    assert list(keys(node)) == ["OwnerEmail", "OrganizationID", "ClusterID"]
    assert list(keys({"operator": "sample", "values": ["1"]})) == []
    assert list(keys(None)) == []
    assert list(keys(leaf("HCP", "in", "true"))) == ["HCP"]


# -- sampling -------------------------------------------------------------------------


def sample(rate: str) -> dict[str, Any]:
    return {"operator": "sample", "values": [rate]}


def no_lookup(field: str) -> str:
    raise AssertionError(f"sampling must not look up {field}")


rolls = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@FAST
@given(rate=st.floats(min_value=0.0, max_value=1.0), roll=rolls)
def test_sample_passes_iff_roll_below_rate(rate: float, roll: float) -> None:
    node = sample(repr(rate))
    assert validate(node) == []
    ok, why = evaluate(node, no_lookup, rng=lambda: roll)
    assert ok is (roll < rate)
    assert why.startswith(f"sample {rate}: rolled ")


@FAST
@given(roll=rolls)
def test_rate_zero_never_and_one_always(roll: float) -> None:
    for zero in ("0", "0.0", "-0.0", "0e3"):
        assert evaluate(sample(zero), no_lookup, rng=lambda: roll)[0] is False
    for one in ("1", "1.0", "1e0"):
        assert evaluate(sample(one), no_lookup, rng=lambda: roll)[0] is True


@FAST
@given(rate=st.one_of(st.floats(max_value=-1e-12), st.floats(min_value=1.000001)))
def test_out_of_range_rates_are_rejected_at_validation(rate: float) -> None:
    assert validate(sample(repr(rate)), "w") == [
        f"w.values: sample rate {float(repr(rate))} must be between 0 and 1"
    ]


@pytest.mark.parametrize("rate", ["nan", "inf", "-inf", "1.0000001"])
def test_special_floats_are_rejected_at_validation(rate: str) -> None:
    (problem,) = validate(sample(rate), "w")
    assert problem.endswith("must be between 0 and 1")


def _not_a_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


@FAST
@given(text=st.text(max_size=12).filter(_not_a_float))
def test_non_numbers_are_rejected_at_validation(text: str) -> None:
    assert validate(sample(text), "w") == [f"w.values: sample rate {text!r} is not a number"]


def test_sample_uses_the_default_rng_in_bounds() -> None:
    assert all(evaluate(sample("1"), no_lookup)[0] for _ in range(50))
    assert not any(evaluate(sample("0"), no_lookup)[0] for _ in range(50))
