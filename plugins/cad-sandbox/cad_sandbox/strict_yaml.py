"""The scenario loader's view of the core's strict YAML (:mod:`cad_core.config.strict_yaml`).

Kept so code written against ``cad_sandbox.strict_yaml`` goes on working: the converter and
its error format now live in the core and are shared with the routing config.
"""

from __future__ import annotations

from typing import Any

import yaml
from cad_core.config import strict_yaml as _core
from cad_core.config.yamlschema import TIME_FORMS, Context, parse_time
from cad_core.config.yamlschema import convert as _convert
from cad_core.errors import BadInputError

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
