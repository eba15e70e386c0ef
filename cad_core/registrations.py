"""Frozen registration objects that hook implementations yield.

Each is validated when built, so a plugin with a typo fails at start-up with a message
naming the field, not halfway through an incident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from cad_core.actions import Action
    from cad_core.context import Alert, ExecutionContext, InvestigationContext, Resources
    from cad_core.metrics import MetricEvent

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def normalise_name(value: str) -> str:
    """Registration keys are compared case-insensitively and without stray spaces."""
    if not isinstance(value, str):
        raise TypeError(f"name must be a string, got {type(value).__name__}")
    name = value.strip().lower()
    if not _NAME.match(name):
        raise ValueError(
            f"name {value!r} is not valid: use lower-case letters, digits, '_', '-' or '.'"
        )
    return name


def _names(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    return tuple(normalise_name(v) for v in values)


def _setting_names(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    return tuple(str(v).strip() for v in values if str(v).strip())


def _callable(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise TypeError(f"{attribute.name} must be callable, got {type(value).__name__}")


def _optional_callable(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _callable(inst, attribute, value)


@attrs.frozen
class InvestigationResult:
    """What an investigation returns: a plan, and optionally a reason to stop the chain.

    ``stop_chain`` is a short explanation; when set, the chain ends after these actions run.
    """

    actions: tuple[Action, ...] = attrs.field(default=(), converter=tuple)
    stop_chain: str | None = None


def _titles(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    titles = tuple(str(v).strip() for v in values)
    if not titles or not all(titles):
        raise ValueError("a default route needs at least one non-empty alert title")
    return titles


@attrs.frozen
class DefaultRoute:
    """The alerts an investigation handles when no routing config is given.

    ``alert_titles`` are matched as case-insensitive substrings of the incident title,
    like ``alert_title`` in the routing config; ``experimental`` routes run only with
    ``CAD_EXPERIMENTAL_ENABLED``. An explicit routing config replaces every default route.
    """

    alert_titles: tuple[str, ...] = attrs.field(converter=_titles)
    experimental: bool = False


@attrs.frozen
class Investigation:
    """An investigation: ``run(ctx) -> InvestigationResult``.

    ``default_route`` makes it reachable in incident mode as soon as it is installed
    (when no routing config is given); ``chain_head=True`` runs it before every chain
    of those default routes (as ``chain_heads:`` does in a routing config).
    """

    name: str = attrs.field(converter=normalise_name)
    run: Callable[[InvestigationContext], InvestigationResult] = attrs.field(validator=_callable)
    description: str = ""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_names)
    default_route: DefaultRoute | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(attrs.validators.instance_of(DefaultRoute)),
    )
    chain_head: bool = False

    def __attrs_post_init__(self) -> None:
        # An alias equal to the name adds nothing and made listings print "chgm (alias: chgm)".
        unique = tuple(a for a in dict.fromkeys(self.aliases) if a != self.name)
        object.__setattr__(self, "aliases", unique)


@attrs.frozen
class ActionExecutor:
    """Carries out actions of the types it claims.

    ``execute(action, ctx)`` performs the write and may raise
    :class:`~cad_core.errors.TransientError`, :class:`~cad_core.errors.PermanentError` or
    :class:`~cad_core.errors.ActionSkipped`. ``already_applied(action, ctx)`` returns a
    reason string when the write is already in place (then nothing is written), else
    ``None``; it must only read, because dry-run calls it too. ``describe(action, ctx)``
    returns the dry-run text. ``settings`` names the environment settings the executor
    cannot work without: a plan is rejected before its first write when one is unset.
    """

    name: str = attrs.field(converter=normalise_name)
    action_types: tuple[str, ...] = attrs.field(converter=_names)
    execute: Callable[[Action, ExecutionContext], object] = attrs.field(validator=_callable)
    already_applied: Callable[[Action, ExecutionContext], str | None] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    describe: Callable[[Action, ExecutionContext], str] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    settings: tuple[str, ...] = attrs.field(default=(), converter=_setting_names)

    @action_types.validator
    def _at_least_one(self, _attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError(f"executor {self.name!r} claims no action types")


@attrs.frozen
class MetricsSink:
    """Receives every metric event; ``flush()`` is called once at the end of a run."""

    name: str = attrs.field(converter=normalise_name)
    record: Callable[[MetricEvent], None] = attrs.field(validator=_callable)
    flush: Callable[[], None] = attrs.field(default=lambda: None, validator=_callable)


@attrs.frozen
class AlertSource:
    """Turns a webhook body into an :class:`~cad_core.context.Alert`.

    ``parse(payload)`` returns ``None`` when the payload is not this source's format, and
    raises :class:`~cad_core.errors.BadInputError` when it is, but is malformed.
    """

    name: str = attrs.field(converter=normalise_name)
    parse: Callable[[bytes], Alert | None] = attrs.field(validator=_callable)
    description: str = ""


@attrs.frozen
class Resource:
    """A lazily built fact or client, shared by every investigation of one run.

    ``factory(resources)`` builds it; it may ask ``resources`` for others and read
    ``resources.run`` (a :class:`~cad_core.context.RunInfo`). If the built object has a
    ``close()`` method it is called when the run ends. ``scope="investigation"`` builds it
    once per investigation instead of once per run (``resources.run.investigation`` then
    names the investigation that asked).
    """

    name: str = attrs.field(converter=normalise_name)
    factory: Callable[[Resources], object] = attrs.field(validator=_callable)
    description: str = ""
    scope: str = attrs.field(
        default="run", validator=attrs.validators.in_(("run", "investigation"))
    )


_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _field_name(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _FIELD_NAME.match(value):
        raise ValueError(f"filter field name {value!r} is not valid: use letters, digits, '_'")


@attrs.frozen
class FilterField:
    """A field that routing filters (``when``) can test, such as ``ClusterState``.

    ``value(resources)`` returns its value for this run; it is called only when a filter
    reaches the field. ``True``/``False`` become ``"true"``/``"false"``, ``None`` ``""``.
    Names are case-sensitive, as in upstream configs.
    """

    name: str = attrs.field(validator=_field_name)
    value: Callable[[Resources], object] = attrs.field(validator=_callable)
    description: str = ""


@attrs.frozen
class Command:
    """An extra ``cad`` sub-command (a click command)."""

    name: str = attrs.field(converter=normalise_name)
    command: Any = attrs.field(validator=_callable)
