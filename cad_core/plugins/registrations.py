"""Frozen registration objects that hook implementations yield.

Each is validated when built, so a plugin with a typo fails at start-up with a message
naming the field, not halfway through an incident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

import attrs

if TYPE_CHECKING:
    # typing_extensions only for the checker (mypy ships its stubs): TypeVar defaults
    # (PEP 696) are not in the 3.11 standard library, and nothing needs them at run time.
    from typing_extensions import TypeVar

    from cad_core.plan.actions import Action
    from cad_core.run.claims import ClaimStore
    from cad_core.run.context import Alert, ExecutionContext, InvestigationContext, Resources
    from cad_core.run.metrics import MetricEvent

    # The action class an executor takes. It defaults to Any because the engine dispatches
    # on the action's type id at run time: a bare ``ActionExecutor`` takes any action.
    ActionT = TypeVar("ActionT", bound=Action, default=Any)
else:
    from typing import TypeVar

    ActionT = TypeVar("ActionT")

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


def _actions(actions: Iterable[Action]) -> tuple[Action, ...]:
    """Accept any iterable of actions (a list is the usual case) and keep a tuple."""
    return tuple(actions)


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

    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
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

    ``prefetch`` names the resources it reads on its usual path. When its chain is chosen,
    the runner starts building them (and what they need) on a bounded pool before the
    chain's first investigation runs, so independent reads overlap; a failed prefetch is
    raised only when the investigation asks for that resource (docs/resources.md).
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
    prefetch: tuple[str, ...] = attrs.field(default=(), converter=_names, kw_only=True)

    def __attrs_post_init__(self) -> None:
        # An alias equal to the name adds nothing and made listings print "chgm (alias: chgm)".
        unique = tuple(a for a in dict.fromkeys(self.aliases) if a != self.name)
        object.__setattr__(self, "aliases", unique)


@attrs.frozen
class ActionExecutor(Generic[ActionT]):
    """Carries out actions of the types it claims.

    Typed by the action class its callables take, so a plugin registers
    ``def execute(action: ServiceLog, ctx: ExecutionContext) -> None`` as it is:
    ``ActionExecutor[ServiceLog]``; a bare ``ActionExecutor`` takes any action.

    ``execute(action, ctx)`` performs the write and may raise
    :class:`~cad_core.errors.TransientError`, :class:`~cad_core.errors.PermanentError` or
    :class:`~cad_core.errors.ActionSkipped`. ``already_applied(action, ctx)`` returns a
    reason string when the write is already in place (then nothing is written), else
    ``None``; it must only read, because dry-run calls it too. ``describe(action, ctx)``
    returns the dry-run text. ``settings`` names the environment settings the executor
    cannot work without: a plan is rejected before its first write when one is unset.
    ``warm_up(action, ctx)``, optional and read-only, is started for every action of a
    plan when the plan starts, side by side, so the state ``already_applied`` will check
    is read while earlier actions run (cad-pagerduty reads the incident and its notes
    while limited support is being set); its errors are ignored, the check reads again.
    ``resources`` names the resources its callables ask for (``ctx.resource``): one
    scoped to the investigation (``management_cluster``) then stays open for the plan of
    an investigation that plans one of its actions, instead of closing beside it.
    """

    name: str = attrs.field(converter=normalise_name)
    action_types: tuple[str, ...] = attrs.field(converter=_names)
    execute: Callable[[ActionT, ExecutionContext], object] = attrs.field(validator=_callable)
    already_applied: Callable[[ActionT, ExecutionContext], str | None] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    describe: Callable[[ActionT, ExecutionContext], str] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    settings: tuple[str, ...] = attrs.field(default=(), converter=_setting_names)
    warm_up: Callable[[ActionT, ExecutionContext], object] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    resources: tuple[str, ...] = attrs.field(default=(), converter=_names)

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
class Verdict:
    """An alert source's answer to "did you sign this request?".

    ``accepted`` is true only when the request's signature checks out over the exact
    body bytes. ``reason`` says why not (shown to the sender, so it must not reveal a
    secret). ``delivery_id`` names this delivery so replays of one delivery can be told
    apart from new ones; it must come from signed content (e.g. an event id inside the
    body), never from a header the signature does not cover. Empty means "use the body's
    digest".
    """

    accepted: bool
    reason: str = ""
    delivery_id: str = ""


@attrs.frozen
class AlertSource:
    """Turns a webhook body into an :class:`~cad_core.run.context.Alert`.

    ``parse(payload)`` returns ``None`` when the payload is not this source's format, and
    raises :class:`~cad_core.errors.BadInputError` when it is, but is malformed.

    ``verify(headers, body)`` (optional) checks a request to ``cad interceptor`` before
    anything in it is parsed: ``headers`` maps lower-case header names to their values,
    ``body`` is the raw webhook bytes. It returns a :class:`Verdict`. A source without
    ``verify`` never accepts interceptor requests.

    ``read(alert_id)`` (optional) reads the alert afresh, as the source sees it now, and
    returns its :class:`~cad_core.run.context.Alert` (``resolved`` set when it is closed).
    ``cad apply`` uses it to refuse a plan whose incident was resolved meanwhile; a plan
    for an alert whose source has no ``read`` is refused.
    """

    name: str = attrs.field(converter=normalise_name)
    parse: Callable[[bytes], Alert | None] = attrs.field(validator=_callable)
    description: str = ""
    verify: Callable[[Mapping[str, Sequence[str]], bytes], Verdict] | None = attrs.field(
        default=None, validator=_optional_callable
    )
    read: Callable[[str], Alert] | None = attrs.field(default=None, validator=_optional_callable)


@attrs.frozen
class Resource:
    """A lazily built fact or client, shared by every investigation of one run.

    ``factory(resources)`` builds it; it may ask ``resources`` for others and read
    ``resources.run`` (a :class:`~cad_core.run.context.RunInfo`). If the built object has a
    ``close()`` method it is called when the run ends. ``scope="investigation"`` builds it
    once per investigation instead of once per run (``resources.run.investigation`` then
    names the investigation that asked) and closes it once that investigation has returned,
    beside its plan (docs/resources.md#when-resources-close).

    ``needs`` names the resources the factory asks for, so a prefetch builds those first
    and builds independent ones side by side. ``before_alert=True`` promises that the
    factory reads nothing of the run (no alert, cluster id or investigation): CAD may then
    start it while the alert itself is still being read (an API client, its token).
    """

    name: str = attrs.field(converter=normalise_name)
    factory: Callable[[Resources], object] = attrs.field(validator=_callable)
    description: str = ""
    scope: str = attrs.field(
        default="run", validator=attrs.validators.in_(("run", "investigation"))
    )
    needs: tuple[str, ...] = attrs.field(default=(), converter=_names, kw_only=True)
    before_alert: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.before_alert and self.scope == "investigation":
            raise ValueError(
                f"resource {self.name!r}: before_alert=True promises that the factory reads "
                "nothing of the run, but scope='investigation' builds it per investigation"
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


@attrs.frozen
class OutputFormat:
    """A way to write a run record for ``--output NAME``: ``render(record)`` returns the text.

    ``record`` is the run record as ``--output json`` prints it, already redacted."""

    name: str = attrs.field(converter=normalise_name)
    render: Callable[[Mapping[str, Any]], str] = attrs.field(validator=_callable)
    description: str = ""


_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _setting_name(value: str) -> str:
    if not isinstance(value, str) or not _SETTING_NAME.match(value):
        raise ValueError(
            f"setting name {value!r} is not valid: use an environment variable name "
            "(upper-case letters, digits and '_')"
        )
    return value


def _strings(values: Sequence[str]) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


@attrs.frozen
class Setting:
    """An environment setting a plugin reads, declared so the core can look after it.

    ``name`` is the environment variable. ``secret`` values are redacted from every log
    line, error and printed record, in every encoding CAD writes. ``multiple`` values are
    comma-separated lists (each part is checked and redacted on its own). ``check(value)``
    raises ``ValueError`` with a short reason when a set value is malformed; CAD runs it at
    start-up and refuses to start (exit 2) naming the variable. ``required_for`` names
    the commands that cannot start without it (e.g. ``("interceptor",)``).
    """

    name: str = attrs.field(converter=_setting_name)
    description: str = ""
    secret: bool = False
    multiple: bool = False
    check: Callable[[str], object] | None = attrs.field(default=None, validator=_optional_callable)
    default: str = ""
    required_for: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def values(self, environ: Mapping[str, str]) -> list[str]:
        """The set value(s): stripped, blanks dropped; a list even when not ``multiple``."""
        raw = environ.get(self.name, "")
        parts = raw.split(",") if self.multiple else [raw]
        return [part.strip() for part in parts if part.strip()]


@attrs.frozen
class LockProvider:
    """Serialises CAD runs: one holder at a time per lock key, across processes or hosts.

    ``acquire(key, timeout)`` blocks until this process holds the lock named ``key`` (for
    example ``incident:Q1ABC``) or ``timeout`` seconds have passed. It returns a callable
    that releases the lock, and raises :class:`~cad_core.run.locks.LockUnavailable` when the
    wait ran out (:class:`~cad_core.run.locks.LockError` for any other trouble). ``check()``
    (optional) validates the provider's settings at start-up and raises
    :class:`~cad_core.errors.BadInputError` naming what is wrong. ``claims()`` (optional)
    returns a :class:`~cad_core.run.claims.ClaimStore` kept where this provider keeps locks, or
    None when it has nowhere durable; ``cad interceptor`` keeps its replay window there.
    """

    name: str = attrs.field(converter=normalise_name)
    acquire: Callable[[str, float], Callable[[], None]] = attrs.field(validator=_callable)
    description: str = ""
    check: Callable[[], None] | None = attrs.field(default=None, validator=_optional_callable)
    claims: Callable[[], ClaimStore | None] | None = attrs.field(
        default=None, validator=_optional_callable
    )


@attrs.frozen
class AlertPlanResult:
    """What an :class:`AlertPlan` plans for one alert: actions, a line for the record, a fallback.

    ``route`` (optional) is one line added to the run record's ``route``: what the plan is
    for, or why it planned nothing. ``if_failed(reason)`` (optional) returns the actions
    to carry out when an action of the plan neither took effect nor was a dry run;
    ``reason`` is that action's error, in one line.
    """

    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
    route: str = ""
    if_failed: Callable[[str], Iterable[Action]] | None = attrs.field(
        default=None, validator=_optional_callable
    )


@attrs.frozen
class AlertPlan:
    """A plan made for every alert in incident mode, right after it is routed.

    ``plan(resources)`` reads what it needs (``resources.run.alert``, other plugins'
    resources by name) and returns an :class:`AlertPlanResult`, or None for nothing to do.
    The core carries the actions out through the executor engine before the chain (or the
    no-automation escalation), with the error policy ``continue``: dry-run, idempotency,
    retries, metrics and the run record cover them. ``plan`` raising is logged and the
    alert goes on. ``check()`` (optional) validates the plan's settings at start-up and
    raises :class:`~cad_core.errors.BadInputError` naming what is wrong (exit 2).
    """

    name: str = attrs.field(converter=normalise_name)
    plan: Callable[[Resources], AlertPlanResult | None] = attrs.field(validator=_callable)
    description: str = ""
    check: Callable[[], None] | None = attrs.field(default=None, validator=_optional_callable)
