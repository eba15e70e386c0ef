"""The interceptor's own settings, declared through ``cad_settings`` (checked at start-up)."""

from __future__ import annotations

from cad_core.plugins.checks import number_check
from cad_core.plugins.registrations import Setting

ANSWER = Setting(
    "CAD_INTERCEPTOR_ANSWER_SECONDS",
    "how long a webhook waits for its work",
    check=number_check(0.1),
    default="4",
)
WORK = Setting(
    "CAD_INTERCEPTOR_WORK_SECONDS",
    "retry budget of one webhook's work (s)",
    check=number_check(1),
    default="30",
)
REPLAY_WINDOW = Setting(
    "CAD_INTERCEPTOR_REPLAY_WINDOW_SECONDS",
    "how long a webhook delivery is remembered (s); 0 is refused",
    check=number_check(0),  # 0 gets its own message (replay.py); 0-1 too
    default="600",
)
REPLAY_MAX_KEYS = Setting(
    "CAD_INTERCEPTOR_REPLAY_MAX_KEYS",
    "most deliveries remembered",
    check=number_check(100),
    default="50000",
)
DECLARED = (ANSWER, WORK, REPLAY_WINDOW, REPLAY_MAX_KEYS)
