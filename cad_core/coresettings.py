"""The core's own settings: one table, declared through the built-in ``cad_settings``.

Every ``CAD_*`` variable the core reads is here with its check, default and secrecy, and is
read through :func:`cad_core.settings.setting` (or ``number``), which knows this table
without building the plugin registry: logging and plugin loading read settings too.
"""

from __future__ import annotations

from cad_core.plugins.checks import choice_check, number_check, url_check
from cad_core.plugins.registrations import Setting

# The plan word's (cad_core.plan.planword) limits, checked here so no cycle runs through it.
TTL_BOUNDS = (60.0, 7 * 24 * 3600.0)
MIN_KEY_LENGTH = 32


def check_key(value: str) -> None:
    """The ``cad_settings`` check of each ``CAD_PLAN_KEY`` part: long enough to guess never."""
    if len(value) < MIN_KEY_LENGTH:
        raise ValueError(
            f"must be at least {MIN_KEY_LENGTH} characters (e.g. `openssl rand -hex 32`)"
        )


def check_ttl(value: str) -> None:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("is not a number") from None
    low, high = TTL_BOUNDS
    if not low <= seconds <= high:  # also refuses nan
        raise ValueError(f"must be between {low:g} and {high:g} seconds")


def _number(name: str, default: str, description: str, minimum: float = 0.0) -> Setting:
    return Setting(name, description, check=number_check(minimum), default=default)


CORE_SETTINGS: tuple[Setting, ...] = (
    Setting("CAD_INVESTIGATION_CONFIG_PATH", "routing config file when --config is not given"),
    Setting("CAD_EXPERIMENTAL_ENABLED", "turns on routes marked experimental (1, t, true)"),
    Setting("CAD_DISABLE_PLUGINS", "plugins not to load (comma-separated)", multiple=True),
    Setting("CAD_NO_ENTRY_POINT_CACHE", "any value turns off the start-up cache of plugins"),
    Setting("CAD_CACHE_DIR", "folder of the start-up cache of plugins (docs/architecture.md)"),
    Setting("LOG_LEVEL", "debug, info, warn, error or fatal (--log-level wins)", default="info"),
    Setting("PIPELINE_NAME", "Tekton pipeline name carried by every log line"),
    Setting(
        "CAD_LOG_FORMAT",
        "log lines on stderr: text (for people) or json (one object a line)",
        check=choice_check("text", "json"),
        default="text",
    ),
    Setting("CAD_LOG_LIBRARIES", "any value lets client libraries log below WARNING"),
    _number("CAD_INPUT_TIMEOUT_SECONDS", "30", "how long an input file may wait for bytes (s)"),
    Setting(
        "CAD_PROMETHEUS_PUSHGATEWAY",
        "Pushgateway URL of the prometheus metrics sink",
        check=url_check("http", "https"),
    ),
    _number("CAD_RETRY_MAX_ATTEMPTS", "4", "attempts per action on transient errors", 1),
    _number("CAD_RETRY_BASE_DELAY", "1", "first backoff ceiling between action attempts (s)"),
    _number("CAD_RETRY_MAX_DELAY", "30", "largest backoff ceiling between attempts (s)"),
    _number("CAD_RUN_DEADLINE_SECONDS", "120", "retry budget of a whole run (s)", 1),
    _number("CAD_ALERT_READ_ATTEMPTS", "8", "attempts to read the alert on transient errors", 1),
    _number("CAD_ALERT_READ_DEADLINE_SECONDS", "90", "retry budget of reading the alert (s)", 1),
    _number("CAD_INVESTIGATION_ATTEMPTS", "4", "attempts per investigation", 1),
    _number("CAD_INVESTIGATION_RETRY_DELAY", "1", "first wait before an investigation retry (s)"),
    _number("CAD_MAX_PARALLEL_ACTIONS", "4", "independent actions of a plan run at once", 1),
    _number("CAD_PREFETCH_WORKERS", "8", "reads of one run in flight together; 0: none ahead"),
    _number("CAD_ESCALATION_DEADLINE_SECONDS", "60", "retry budget of CAD's escalations (s)", 1),
    Setting(
        "CAD_PLAN_KEY",
        "the key CAD signs held plans with (comma-separated: the first signs, any verifies)",
        secret=True,
        multiple=True,
        check=check_key,
    ),
    Setting(
        "CAD_PLAN_TTL_SECONDS",
        "how long a held plan can be applied (seconds)",
        check=check_ttl,
        default="86400",
    ),
    Setting("CAD_LOCK_PROVIDER", "who keeps the run locks: file, lease, none, ...", default="file"),
    _number("CAD_LOCK_WAIT_SECONDS", "60", "how long a run waits for its locks in all (s)"),
    Setting("CAD_LOCK_DIR", "folder of the file lock provider (default: a temp folder)"),
    Setting("CAD_STATE_DIR", "folder of kept state: replay window, remediation ledger"),
)
