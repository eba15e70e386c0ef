"""Ready-made ``check`` functions for :class:`~cad_core.plugins.registrations.Setting`.

A check raises ``ValueError`` with a short reason; CAD prefixes it with the variable.
Each is a ``functools.partial`` of a function of this module, so the start-up cache can
keep it as data and check a value without importing the plugin that declared it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial


def url_check(*schemes: str) -> Callable[[str], None]:
    """A check that accepts only absolute URLs with one of ``schemes`` and a host."""
    return partial(check_url, schemes or ("https",))


def check_url(allowed: tuple[str, ...], value: str) -> None:
    # urllib.parse here, not at module level: plugin modules import this file, and
    # `cad --help` (which checks nothing) would pay for urllib.parse and ipaddress.
    from urllib.parse import urlsplit

    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("is not a URL: it contains spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a port out of range or not a number
    except ValueError as error:
        raise ValueError(f"is not a URL ({error})") from None
    if parts.scheme not in allowed:
        wanted = " or ".join(f"{s}://" for s in allowed)
        raise ValueError(f"must start with {wanted}")
    if not parts.hostname:
        raise ValueError("has no host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry a user name or password; use the secret settings")
    if port == 0:
        raise ValueError("has port 0")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")


def number_check(minimum: float = 0.0, *, above: bool = False) -> Callable[[str], None]:
    """A check that accepts finite numbers of at least ``minimum`` (``above``: more than)."""
    return partial(check_number, minimum, above)


def check_number(minimum: float, above: bool, value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("is not a number") from None
    if not number == number or number in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    if number <= minimum if above else number < minimum:
        raise ValueError(f"must be {'more than' if above else 'at least'} {minimum:g}")


def choice_check(*choices: str) -> Callable[[str], None]:
    """A check that accepts only one of ``choices`` (compared case-insensitively)."""
    return partial(check_choice, choices)


def check_choice(choices: tuple[str, ...], value: str) -> None:
    if value.strip().lower() not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}, not {value.strip()!r}")
