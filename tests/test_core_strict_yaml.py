"""The strict YAML composer: libyaml's speed, the pure-Python composer's refusals."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cad_core.config import strict_yaml
from cad_core.errors import BadInputError


def _tree(node: yaml.Node | None) -> object:
    if node is None or isinstance(node, yaml.ScalarNode):
        return None if node is None else (node.tag, node.value, node.start_mark.line)
    if isinstance(node, yaml.SequenceNode):
        return [_tree(item) for item in node.value]
    return [(_tree(key), _tree(value)) for key, value in node.value]


def test_an_alias_is_refused_with_its_line() -> None:
    text = "a: &x [1, 2]\nb: *x\n"
    with pytest.raises(BadInputError, match=r"line 2.*aliases \(\*x\) are not accepted"):
        strict_yaml.compose(text, "s.yaml", kind="scenario")


def test_deep_nesting_is_one_line_not_a_crash() -> None:
    with pytest.raises(BadInputError, match="nested too deeply"):
        strict_yaml.compose("[" * 5000 + "]" * 5000, "s.yaml", kind="scenario")


def test_bad_yaml_keeps_the_one_error_format() -> None:
    expected = r"^scenario s.yaml, line 3: invalid YAML: expected the node content"
    with pytest.raises(BadInputError, match=expected):
        strict_yaml.compose("a: 1\nb: [\n", "s.yaml", kind="scenario")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values, st.booleans())
def test_the_fast_composer_builds_the_same_nodes(data: object, as_json: bool) -> None:
    text = json.dumps(data) if as_json else yaml.safe_dump(data)
    fast = strict_yaml.compose(text, "s.yaml", kind="scenario")
    strict = strict_yaml._compose_strict(text, "s.yaml", kind="scenario")
    assert _tree(fast) == _tree(strict)
