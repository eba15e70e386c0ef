"""The label-selector matcher the kube client offers (``kube.selector_matches``), shared by
machinehealthcheck and pdbblockingnodedrain."""

from __future__ import annotations

import pytest

from cad_ocm.kube import KubeClient
from cad_ocm.label_selectors import SelectorError

matches = KubeClient.selector_matches


def test_ocm_label_selectors_match_as_the_apiserver_does() -> None:
    labels = {"role": "worker", "zone": "a"}
    assert matches(None, labels) and matches({}, labels)
    assert matches({"matchLabels": {"role": "worker"}}, labels)
    assert not matches({"matchLabels": {"role": "infra"}}, labels)
    expressions = [
        {"key": "zone", "operator": "In", "values": ["a", "b"]},
        {"key": "gpu", "operator": "DoesNotExist"},
        {"key": "role", "operator": "Exists"},
        {"key": "zone", "operator": "NotIn", "values": ["c"]},
    ]
    assert matches({"matchExpressions": expressions}, labels)
    with pytest.raises(SelectorError):
        matches({"matchExpressions": [{"key": "a", "operator": "Near"}]}, labels)
    with pytest.raises(ValueError, match="names no key"):  # callers catch ValueError
        matches({"matchExpressions": [{"operator": "Exists"}]}, labels)
