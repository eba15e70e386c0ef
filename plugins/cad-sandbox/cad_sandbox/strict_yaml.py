"""Deprecated: use :mod:`cad_core.config.strict_yaml` and :mod:`cad_core.config.yamlschema`.

The sandbox loads scenarios through the core's strict YAML directly; this module only keeps
code written against ``cad_sandbox.strict_yaml`` working for one release, with a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

import yaml
from cad_core.config import strict_yaml as _core
from cad_core.config.yamlschema import TIME_FORMS, Context, parse_time
from cad_core.config.yamlschema import convert as _convert
from cad_core.errors import BadInputError

warnings.warn(
    "cad_sandbox.strict_yaml is deprecated: use cad_core.config.strict_yaml "
    "(compose, nodes_from_data) and cad_core.config.yamlschema (convert, Context, parse_time)",
    DeprecationWarning,
    stacklevel=2,
)

KIND = "scenario"
SchemaError = _core.SchemaError

__all__ = [
    "KIND",
    "TIME_FORMS",
    "Context",
    "SchemaError",
    "convert",
    "load_nodes",
    "nodes_from_data",
    "parse_time",
]


def load_nodes(text: str, source: str) -> yaml.Node:
    """Compose scenario YAML into nodes; an empty file is an error for a scenario."""
    node = _core.compose(text, source, kind=KIND)
    if node is None:
        raise BadInputError(f"{KIND} {source}: the file is empty")
    return node


def nodes_from_data(data: Any) -> yaml.Node:
    return _core.nodes_from_data(data, kind=KIND)


def convert(node: yaml.Node, hint: Any, source: str, ctx: Context) -> Any:
    return _convert(node, hint, source, ctx, kind=KIND)
