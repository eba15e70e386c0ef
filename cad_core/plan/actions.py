"""The action vocabulary: immutable, validated, JSON-serialisable plan steps.

An investigation returns actions; it never performs writes itself. Each action class
declares how the engine must schedule it (class attributes below), so a third party can
add a type with :func:`register_action_type` without any change to the core.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, TypeVar, cast

import attrs

from cad_core.errors import ActionValidationError

SEVERITIES = ("Info", "Warning", "Major", "Critical")
INCIDENT_LANE = "incident"

_TYPES: dict[str, type[Action]] = {}  # the first definition of each type id
# Every distinct definition of each id, in import order: two plugins defining one id is a
# conflict the registry reports (naming both), never an import error that blames one.
_DEFINITIONS: dict[str, list[type[Action]]] = {}
A = TypeVar("A", bound="type[Action]")


def _type_ids(values: object) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ActionValidationError("requires must be a list of action type ids")
    return tuple(dict.fromkeys(v.strip() for v in values))


@attrs.frozen
class Action:
    """Base of every action. Subclasses are ``attrs.frozen`` and set ``type_id``.

    ``requires`` (keyword-only, on every action) names action types that must come earlier
    in the plan and be in effect (``succeeded`` or ``skipped_duplicate``) before this
    action may run; otherwise it ends ``not_run`` and nothing is written for it. A silence
    that is justified by a limited support requires ``limited_support``: never silence what
    was neither fixed nor told.

    Scheduling declarations:

    * ``writes_notes``: appends lines to the run notes (runs before any note reader);
    * ``reads_notes``: reads the run notes at execution time (runs after every writer);
    * ``lane``: actions sharing a lane run one at a time in plan order;
    * ``after_note_writers``: waits for every note writer of the plan (incident actions
      do, so the incident is silenced or escalated only once the findings are posted);
    * ``needs_incident``: meaningless without an incident (dropped in manual runs);
    * ``guard_label``: set on customer-facing or silencing actions that must not run on an
      infrastructure cluster; it names the action in the replacement note;
    * ``needs_clean_plan``: waits for every other action of the plan and is left out
      (``dropped_by_policy``) unless all of them took effect: the incident title says CAD
      handled the incident, which is only true once nothing failed;
    * ``audience``: who the write reaches (:class:`Audience`): ``internal`` (SRE's own
      records: incident notes, escalation), ``customer`` (service logs, limited support),
      ``public`` (a status page) or ``paging`` (stops people being paged: a silence).
      Inform mode carries out only ``internal`` writes and holds every other one for a
      person; a type that declares no audience is held too.
    """

    type_id: ClassVar[str] = ""
    writes_notes: ClassVar[bool] = False
    lane: ClassVar[str | None] = None
    after_note_writers: ClassVar[bool] = False
    needs_incident: ClassVar[bool] = False
    guard_label: ClassVar[str | None] = None
    needs_clean_plan: ClassVar[bool] = False
    audience: ClassVar[str | None] = None  # undeclared: held in inform mode

    requires: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_type_ids)

    @property
    def reads_notes(self) -> bool:
        return False

    def summary_line(self) -> str:
        """One line for people: used in text output and dry-run listings."""
        return self.type_id


class Audience(StrEnum):
    """Who an action's write reaches; inform mode carries out only ``internal`` ones."""

    INTERNAL = "internal"  # SRE's own records: incident notes, escalation, reports
    CUSTOMER = "customer"  # the cluster's owner sees it: service logs, limited support
    PUBLIC = "public"  # anyone sees it: a status page
    PAGING = "paging"  # changes who is paged: a silence


def register_action_type(cls: A) -> A:
    """Class decorator: make an action type known to the converter and the engine."""
    type_id = getattr(cls, "type_id", "")
    if not type_id:
        raise ValueError(f"{cls.__name__} must set a non-empty type_id")
    audience = getattr(cls, "audience", None)
    if audience is not None and audience not in set(Audience):
        known = ", ".join(Audience)
        raise ValueError(f"{cls.__name__}.audience {audience!r} is not one of {known}")
    if not attrs.has(cast(type, cls)):
        raise TypeError(f"{cls.__name__} must be an attrs class (use @attrs.frozen)")
    new = cast("type[Action]", cls)
    definitions = _DEFINITIONS.setdefault(type_id, [])
    same = [i for i, old in enumerate(definitions) if _origin(old) == _origin(new)]
    if same:  # the same class defined again (a module reloaded): it replaces itself
        definitions[same[0]] = new
    else:
        definitions.append(new)
    if type_id not in _TYPES or _origin(_TYPES[type_id]) == _origin(new):
        _TYPES[type_id] = new
    return cls


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def action_types() -> Mapping[str, type[Action]]:
    """Type id -> its class (the first definition, when a conflict defines it twice)."""
    return dict(_TYPES)


def action_definitions() -> Mapping[str, tuple[type[Action], ...]]:
    """Type id -> every distinct class defining it; more than one is a conflict."""
    return {type_id: tuple(classes) for type_id, classes in _DEFINITIONS.items()}


def _not_blank(instance: Action, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ActionValidationError(
            f"{instance.type_id}: {attribute.name} must be a non-empty string"
        )


def _text(instance: Action, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise ActionValidationError(f"{instance.type_id}: {attribute.name} must be a string")


def _severity(instance: Action, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in SEVERITIES:
        raise ActionValidationError(
            f"{instance.type_id}: severity {value!r} is not one of {', '.join(SEVERITIES)}"
        )


def _bool(instance: Action, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ActionValidationError(f"{instance.type_id}: {attribute.name} must be true or false")


@register_action_type
@attrs.frozen
class ServiceLog(Action):
    """A service log on the cluster, visible to the customer unless ``internal_only``."""

    type_id: ClassVar[str] = "service_log"
    audience: ClassVar[str | None] = Audience.CUSTOMER
    writes_notes: ClassVar[bool] = True
    guard_label: ClassVar[str | None] = "service log"

    severity: str = attrs.field(validator=_severity)
    summary: str = attrs.field(validator=_not_blank)
    description: str = attrs.field(validator=_not_blank)
    service_name: str = attrs.field(default="SREManualAction", validator=_not_blank)
    internal_only: bool = attrs.field(default=False, validator=_bool)
    reason: str = attrs.field(default="", validator=_text)

    def summary_line(self) -> str:
        return f"service log ({self.severity}): {self.summary}"


@register_action_type
@attrs.frozen
class LimitedSupport(Action):
    """A limited-support reason on the cluster. ``context`` labels the metric."""

    type_id: ClassVar[str] = "limited_support"
    audience: ClassVar[str | None] = Audience.CUSTOMER
    writes_notes: ClassVar[bool] = True
    guard_label: ClassVar[str | None] = "limited support"

    summary: str = attrs.field(validator=_not_blank)
    details: str = attrs.field(validator=_not_blank)
    context: str = attrs.field(default="", validator=_text)

    def summary_line(self) -> str:
        return f"limited support: {self.summary}"


@register_action_type
@attrs.frozen
class IncidentNote(Action):
    """A note on the incident. ``content=None`` means the run notes, read at execution."""

    type_id: ClassVar[str] = "incident_note"
    audience: ClassVar[str | None] = Audience.INTERNAL
    lane: ClassVar[str | None] = INCIDENT_LANE
    after_note_writers: ClassVar[bool] = True
    needs_incident: ClassVar[bool] = True

    content: str | None = attrs.field(default=None)

    @content.validator
    def _content(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            _not_blank(self, attribute, value)

    @property
    def reads_notes(self) -> bool:
        return self.content is None

    def summary_line(self) -> str:
        return "incident note (the run notes)" if self.content is None else "incident note"


@register_action_type
@attrs.frozen
class SilenceIncident(Action):
    """Move the incident to the silent escalation policy."""

    type_id: ClassVar[str] = "silence_incident"
    audience: ClassVar[str | None] = Audience.PAGING
    lane: ClassVar[str | None] = INCIDENT_LANE
    after_note_writers: ClassVar[bool] = True
    needs_incident: ClassVar[bool] = True
    guard_label: ClassVar[str | None] = "silence"

    reason: str = attrs.field(default="", validator=_text)

    def summary_line(self) -> str:
        return f"silence the incident: {self.reason}" if self.reason else "silence the incident"


@register_action_type
@attrs.frozen
class EscalateIncident(Action):
    """Escalate the incident to the next level so a human looks at it."""

    type_id: ClassVar[str] = "escalate_incident"
    audience: ClassVar[str | None] = Audience.INTERNAL
    lane: ClassVar[str | None] = INCIDENT_LANE
    after_note_writers: ClassVar[bool] = True
    needs_incident: ClassVar[bool] = True

    reason: str = attrs.field(default="", validator=_text)

    def summary_line(self) -> str:
        return f"escalate the incident: {self.reason}" if self.reason else "escalate the incident"


@register_action_type
@attrs.frozen
class ReassignIncident(Action):
    """Move the incident to another escalation policy, e.g. the team that looks after the
    cluster's organisation (cad-pagerduty's organisation routing). ``reason`` is posted with
    it."""

    type_id: ClassVar[str] = "incident_reassign"
    audience: ClassVar[str | None] = Audience.INTERNAL
    lane: ClassVar[str | None] = INCIDENT_LANE
    after_note_writers: ClassVar[bool] = True
    needs_incident: ClassVar[bool] = True

    escalation_policy: str = attrs.field(validator=_not_blank)
    reason: str = attrs.field(default="", validator=_text)

    def summary_line(self) -> str:
        return f"move the incident to escalation policy {self.escalation_policy}"


@register_action_type
@attrs.frozen
class IncidentTitle(Action):
    """Prefix the incident title once (e.g. ``[CAD Investigated]``)."""

    type_id: ClassVar[str] = "incident_title"
    audience: ClassVar[str | None] = Audience.INTERNAL
    lane: ClassVar[str | None] = INCIDENT_LANE
    after_note_writers: ClassVar[bool] = True
    needs_incident: ClassVar[bool] = True
    needs_clean_plan: ClassVar[bool] = True

    prefix: str = attrs.field(default="[CAD Investigated]", validator=_not_blank)

    def summary_line(self) -> str:
        return f"prefix the incident title with {self.prefix}"


@register_action_type
@attrs.frozen
class ClusterReport(Action):
    """A cluster report: the investigation's findings, kept with the cluster."""

    type_id: ClassVar[str] = "cluster_report"
    audience: ClassVar[str | None] = Audience.INTERNAL
    writes_notes: ClassVar[bool] = True

    cluster_id: str = attrs.field(validator=_not_blank)
    summary: str = attrs.field(validator=_not_blank)
    data: str = attrs.field(validator=_not_blank)

    def summary_line(self) -> str:
        return f"cluster report: {self.summary}"


_converter: Any = None


def _conv() -> Any:
    """One private cattrs converter, built on first use (cattrs is slow to import)."""
    global _converter
    if _converter is None:
        import cattrs

        _converter = cattrs.Converter()
    return _converter


def to_dict(action: Action) -> dict[str, Any]:
    body: dict[str, Any] = _conv().unstructure(action)
    if not body.get("requires"):  # most actions have none: keep their JSON as it was
        body.pop("requires", None)
    return {"type": action.type_id, **body}


def from_dict(data: Mapping[str, Any]) -> Action:
    """Build an action from its tagged JSON form; unknown types and bad fields are errors."""
    if not isinstance(data, Mapping):
        raise ActionValidationError("an action must be a JSON object with a 'type'")
    fields = dict(data)
    type_id = fields.pop("type", None)
    cls = _TYPES.get(str(type_id))
    if cls is None:
        known = ", ".join(sorted(_TYPES))
        raise ActionValidationError(f"unknown action type {type_id!r}; known types: {known}")
    import cattrs

    try:
        action: Action = _conv().structure(fields, cls)
    except cattrs.BaseValidationError as error:
        own = [e for e in error.exceptions if isinstance(e, ActionValidationError)]
        if own:
            raise own[0] from None
        details = "; ".join(str(e) for e in cattrs.transform_error(error))
        raise ActionValidationError(f"{type_id}: {details}") from None
    except (TypeError, KeyError) as error:
        raise ActionValidationError(f"{type_id}: {error}") from None
    return action


def to_json(action: Action) -> str:
    return json.dumps(to_dict(action), sort_keys=True)


def from_json(text: str) -> Action:
    return from_dict(json.loads(text))
