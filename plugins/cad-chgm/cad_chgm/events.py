"""CloudTrail stop and terminate events: the LookupEvents envelope and the embedded record.

Only records of eventVersion 1.8 or later are trusted (major 1, minor >= 8): that is the
format whose ``userIdentity.sessionContext.sessionIssuer.userName`` names the role an
assumed-role session came from, and the allow-list in :mod:`cad_chgm.authorization` is
written against it. Anything else is a finding for a human, never a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from cad_core.errors import FindingError

MALFORMED_EVENT = "a CloudTrail event could not be read"
SUPPORTED_MAJOR = 1
LOWEST_SUPPORTED_MINOR = 8
# "<int>.<int>", leading zeros allowed ("1.08"), anything after the second number ignored.
_VERSION = re.compile(r"^(\d+)\.(\d+)")


@attrs.frozen
class StopEvent:
    """One LookupEvents entry for ``StopInstances`` or ``TerminateInstances``."""

    event_id: str
    name: str
    time: datetime
    username: str
    resource_names: tuple[str, ...]
    record: str | None

    def names_instance(self, instance_id: str) -> bool:
        return instance_id in self.resource_names

    def describe(self) -> str:
        first = self.resource_names[0] if self.resource_names else "no resources"
        return f"{self.name} event {self.event_id or '(no id)'} for {first}"


@attrs.frozen
class Actor:
    """Who made the call: the LookupEvents user name and the assumed role it came from."""

    username: str
    issuer: str

    def describe(self) -> str:
        if self.issuer:
            return f"{self.username or '(no user name)'} (role {self.issuer})"
        return self.username or "(no user name)"


def stop_event_from_lookup(entry: Mapping[str, Any]) -> StopEvent:
    """Build a :class:`StopEvent` from one item of a LookupEvents ``Events`` list."""
    resources = entry.get("Resources") or []
    return StopEvent(
        event_id=str(entry.get("EventId") or ""),
        name=str(entry.get("EventName") or ""),
        time=_aware(entry.get("EventTime")),
        username=str(entry.get("Username") or ""),
        resource_names=tuple(
            str(r.get("ResourceName")) for r in resources if r.get("ResourceName")
        ),
        record=entry.get("CloudTrailEvent"),
    )


def _aware(value: object) -> datetime:
    """boto3 hands EventTime over as an aware datetime; be strict about anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise FindingError(f"event time {value!r} is not a timestamp", context=MALFORMED_EVENT)


def actor_of(event: StopEvent) -> Actor:
    """Read who stopped the instances; raises :class:`FindingError` naming the event."""
    try:
        issuer = issuer_of_record(event.record)
    except FindingError as error:
        raise FindingError(
            f"could not tell who made the call in the {event.describe()}: {error.detail}",
            context=MALFORMED_EVENT,
        ) from error
    return Actor(username=event.username, issuer=issuer)


def issuer_of_record(record: str | None) -> str:
    """The assumed role's name from a CloudTrail record, or ``""`` for a non-role caller."""
    if not record:
        raise FindingError("the event carries no CloudTrail record")
    try:
        data = json.loads(record)
    except (TypeError, ValueError) as error:
        raise FindingError(f"the CloudTrail record is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise FindingError("the CloudTrail record is not a JSON object")
    check_event_version(data.get("eventVersion"))
    return _issuer_name(data)


def check_event_version(value: object) -> tuple[int, int]:
    """Accept eventVersion 1.8 and later within major version 1 (``1.08``, ``1.8``, ``1.99``)."""
    match = _VERSION.match(value) if isinstance(value, str) else None
    if match is None:
        raise FindingError(f"eventVersion {value!r} is not of the form <major>.<minor>")
    major, minor = int(match.group(1)), int(match.group(2))
    if major != SUPPORTED_MAJOR or minor < LOWEST_SUPPORTED_MINOR:
        raise FindingError(
            f"eventVersion {value} is not supported (expected {SUPPORTED_MAJOR}."
            f"{LOWEST_SUPPORTED_MINOR} or a later {SUPPORTED_MAJOR}.x)"
        )
    return major, minor


def _issuer_name(data: Mapping[str, Any]) -> str:
    # An IAM user or root has no session context; that is an answer (no role), not an error.
    node: Any = data
    for key in ("userIdentity", "sessionContext", "sessionIssuer", "userName"):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) else ""
