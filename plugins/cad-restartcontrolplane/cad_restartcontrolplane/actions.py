"""The ``restart_control_plane`` action: attrs only, imported by the plugin module so plans
read back from JSON (``cad apply``, inform mode) know the type."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs
from cad_core import Action, Audience, register_action_type
from cad_core.errors import ActionValidationError

RESTART_ANNOTATION = "hypershift.openshift.io/restart-date"


def _not_blank(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ActionValidationError(f"{instance.type_id}: {attribute.name} must not be empty")


def _rfc3339(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    _not_blank(instance, attribute, value)
    try:
        moment = datetime.fromisoformat(str(value))  # Python 3.11 reads a "Z" itself
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ActionValidationError(
            f"{instance.type_id}: {attribute.name} must be an RFC 3339 time with a zone, "
            f"got {value!r}"
        )


@register_action_type
@attrs.frozen
class RestartControlPlane(Action):
    """Ask HyperShift to restart every control-plane component of a hosted cluster.

    Audience: the customer (the API server and the other control-plane pods roll), so it is
    held for approval in inform mode, held back on infrastructure clusters (``guard_label``)
    and never repeated while a restart requested within the last minutes is in flight (the
    executor's check).
    """

    type_id: ClassVar[str] = "restart_control_plane"
    writes_notes: ClassVar[bool] = True
    guard_label: ClassVar[str | None] = "control-plane restart"
    audience: ClassVar[str | None] = Audience.CUSTOMER

    cluster_id: str = attrs.field(validator=_not_blank)
    namespace: str = attrs.field(validator=_not_blank)  # the HostedCluster's namespace
    hosted_cluster: str = attrs.field(validator=_not_blank)
    restart_date: str = attrs.field(validator=_rfc3339)  # the annotation's new value

    def summary_line(self) -> str:
        return (
            f"restart the control plane of cluster {self.cluster_id} "
            f"(HostedCluster {self.namespace}/{self.hosted_cluster}, {RESTART_ANNOTATION}="
            f"{self.restart_date})"
        )
