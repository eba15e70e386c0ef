"""Settings plugins declare (``cad_settings``): start-up checks and the secrets to redact.

Kept apart from the registry so logging can ask for secrets without building anything:
a log line written while plugins load must never load plugins again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping

from cad_core.errors import BadInputError, MissingSettingError
from cad_core.plugins.registrations import Setting

_busy = threading.local()


def declared_settings(registry: object | None = None) -> list[Setting]:
    """Every installed plugin's declared settings (the built registry's, if none given)."""
    import cad_core.plugins.registry as plugins

    reg = registry if registry is not None else plugins.current_registry()
    if not isinstance(reg, plugins.Registry):
        return []
    return [r.item for r in reg.registrations("cad_settings")]


def secret_settings() -> list[Setting]:
    """Declared secrets; empty while they are being gathered (a log line may ask then)."""
    if getattr(_busy, "active", False):
        return []
    _busy.active = True
    try:
        return [s for s in declared_settings() if s.secret]
    finally:
        _busy.active = False


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The current values of every declared secret, each part of a list on its own."""
    env = os.environ if environ is None else environ
    values: set[str] = set()
    for setting in secret_settings():
        raw = env.get(setting.name, "")
        values.update(setting.values(env))
        if raw.strip():
            values.add(raw.strip())
    return sorted(values)


def refusal(setting: Setting, value: str, error: Exception) -> str:
    """``NAME='value' reason``; a secret's value is never shown, even quoted by its check."""
    why = str(error) if isinstance(error, ValueError) else f"(check failed: {error!r})"
    if setting.secret:
        return f"{setting.name}=*** {why.replace(value, '***')}"
    return f"{setting.name}={value!r} {why}"


def validate_settings(
    settings: Iterable[Setting], environ: Mapping[str, str] | None = None
) -> None:
    """Run every declared check; all problems in one BadInputError naming each variable."""
    env = os.environ if environ is None else environ
    problems = []
    for setting in settings:
        if setting.check is None:
            continue
        for value in setting.values(env):
            try:
                setting.check(value)
            except Exception as error:  # a check that breaks still refuses the value
                problems.append(refusal(setting, value, error))
    if problems:
        raise BadInputError("; ".join(problems))


def require_settings(settings: Iterable[Setting], command: str) -> None:
    """Refuse to start ``command`` without the settings declared as required for it."""
    missing = [s for s in settings if command in s.required_for and not s.values(os.environ)]
    if missing:
        purpose = "; ".join(s.description for s in missing if s.description)
        raise MissingSettingError([s.name for s in missing], purpose)


def check_settings(registry: object, command: str = "") -> None:
    """Start-up check of every declared setting, and of those ``command`` requires."""
    settings = declared_settings(registry)
    validate_settings(settings)
    if command:
        require_settings(settings, command)
