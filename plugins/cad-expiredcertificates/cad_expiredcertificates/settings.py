"""How close to expiry a certificate must be to be flagged: 7 days unless configured."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta

from cad_core.errors import BadInputError
from cad_core.plugins.checks import number_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import number

WARNING_DAYS = "CAD_EXPIREDCERTIFICATES_WARNING_DAYS"
PARAM = "warning_days"
DEFAULT_WARNING_DAYS = 7.0
MAX_DAYS = 3650  # ten years; more would overflow date arithmetic

WARNING_DAYS_SETTING = Setting(
    WARNING_DAYS,
    f"days before expiry a certificate is flagged (0 to {MAX_DAYS}; --param warning_days wins)",
    check=number_check(0),
    default=f"{DEFAULT_WARNING_DAYS:g}",
)


def warning_window(params: Mapping[str, str]) -> timedelta:
    """``--param warning_days=N`` wins over the environment; both must be 0 or more."""
    raw = params.get(PARAM)
    if raw is None:
        value = number(WARNING_DAYS_SETTING)
        if value > MAX_DAYS:
            raise BadInputError(f"{WARNING_DAYS}={value:g} must be at most {MAX_DAYS} days")
        return timedelta(days=value)
    try:
        value = float(raw)
    except ValueError:
        raise BadInputError(f"--param {PARAM}={raw!r} is not a number of days") from None
    if not math.isfinite(value) or value < 0 or value > MAX_DAYS:
        raise BadInputError(f"--param {PARAM}={raw!r} must be between 0 and {MAX_DAYS} days")
    return timedelta(days=value)
