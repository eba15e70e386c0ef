"""Settings from the environment: the one accessor of declared settings, and run budgets.

Every variable CAD reads as its configuration is declared through ``cad_settings`` (the
core's in :mod:`cad_core.coresettings`) and read with :func:`setting` or :func:`number`,
which apply the declaration's check and default. ``tests/test_core_settings_declared.py``
fails when code reads an undeclared ``CAD_*`` variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from cad_core.errors import BadInputError, CadError
from cad_core.plan.engine.retry import RetryPolicy
from cad_core.plugins.registrations import Setting


@attrs.frozen
class RunSettings:
    """Budgets for one run. All come from ``CAD_*`` variables (see docs/configuration.md)."""

    retry: RetryPolicy = RetryPolicy()
    investigation_attempts: int = 4
    investigation_delay: float = 1.0  # 1 s, 2 s, 4 s, ... capped at 10 s, as upstream
    investigation_delay_cap: float = 10.0
    workers: int = 4
    escalation_deadline: float = 60.0  # a budget of its own: retries elsewhere cannot spend it
    prefetch_workers: int = 8  # reads in flight together; 0: no prefetch, reads one by one
    # Reading the alert has a budget of its own: a short outage of the incident system
    # there would otherwise end the run before anything is known (nobody is paged).
    alert_read: RetryPolicy = RetryPolicy(max_attempts=8, deadline=90.0)

    @classmethod
    def from_env(cls) -> RunSettings:
        retry = RetryPolicy(
            max_attempts=int(number("CAD_RETRY_MAX_ATTEMPTS")),
            base_delay=number("CAD_RETRY_BASE_DELAY"),
            max_delay=number("CAD_RETRY_MAX_DELAY"),
            deadline=number("CAD_RUN_DEADLINE_SECONDS"),
        )
        alert_read = attrs.evolve(
            retry,
            max_attempts=int(number("CAD_ALERT_READ_ATTEMPTS")),
            deadline=number("CAD_ALERT_READ_DEADLINE_SECONDS"),
        )
        return cls(
            retry=retry,
            alert_read=alert_read,
            investigation_attempts=int(number("CAD_INVESTIGATION_ATTEMPTS")),
            investigation_delay=number("CAD_INVESTIGATION_RETRY_DELAY"),
            workers=int(number("CAD_MAX_PARALLEL_ACTIONS")),
            escalation_deadline=number("CAD_ESCALATION_DEADLINE_SECONDS"),
            prefetch_workers=int(number("CAD_PREFETCH_WORKERS")),
        )


# -- the one accessor ------------------------------------------------------------------


class UndeclaredSettingError(CadError):
    """Code read a setting no ``cad_settings`` hook declares: a bug of that code."""


def declaration(name: str | Setting) -> Setting:
    """The declaration of ``name``: the core's table, else the built registry's."""
    if isinstance(name, Setting):
        return name
    from cad_core.coresettings import CORE_SETTINGS

    for declared in CORE_SETTINGS:
        if declared.name == name:
            return declared
    from cad_core.plugins.declared import declared_settings

    for declared in declared_settings():
        if declared.name == name:
            return declared
    raise UndeclaredSettingError(
        f"{name} is read but no installed plugin declares it through cad_settings"
    )


def setting(
    name: str | Setting,
    environ: Mapping[str, str] | None = None,
    *,
    check: bool = True,
    strip: bool = True,
) -> str:
    """The value of a declared setting, stripped, or its declared default when unset.

    A set value is checked with the declaration's ``check``: a bad one is one
    BadInputError naming the variable (never the value of a secret). ``check=False``
    skips that, for reads while plugins load (the start-up check reports it instead);
    ``strip=False`` keeps surrounding blanks where they change the meaning.
    Pass the :class:`Setting` itself (a plugin's own declaration) or its name.
    """
    declared = declaration(name)
    given = (os.environ if environ is None else environ).get(declared.name, "")
    raw = given.strip()
    if not raw:
        return given if given and not strip else declared.default
    if check and declared.check is not None:
        for part in declared.values({declared.name: raw}):
            try:
                declared.check(part)
            except Exception as error:  # a check that breaks still refuses the value
                from cad_core.plugins.declared import refusal

                raise BadInputError(refusal(declared, part, error)) from None
    return raw if strip else given


def setting_values(
    name: str | Setting, environ: Mapping[str, str] | None = None, *, check: bool = True
) -> list[str]:
    """A ``multiple`` setting's parts (checked), or its default's; blanks dropped."""
    declared = declaration(name)
    value = setting(declared, environ, check=check)
    return declared.values({declared.name: value})


def number(name: str | Setting, environ: Mapping[str, str] | None = None) -> float:
    """A numeric setting (declare it with ``number_check``), or its default."""
    declared = declaration(name)
    value = setting(declared, environ)
    try:
        return float(value)
    except ValueError:  # a declaration without number_check
        raise BadInputError(f"{declared.name}={value!r} is not a number") from None


def flag(name: str | Setting, environ: Mapping[str, str] | None = None) -> bool:
    """True when the setting has any value (``CAD_LOG_LIBRARIES=1``)."""
    return bool(setting(name, environ))
