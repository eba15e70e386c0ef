"""Logging to stderr, with secrets scrubbed from every line and from printed output.

Lines are text for people, or with ``CAD_LOG_FORMAT=json`` one JSON object a line for a
log pipeline: ``time``, ``level``, ``logger``, ``message``, and what the line is about
(``run_id``, ``incident``, ``cluster``, ``investigation``, ``action``: see
:mod:`cad_core.logcontext`), plus ``pipeline`` and ``exception`` when there are any.

The secrets are whatever installed plugins declare with ``secret=True`` in their
``cad_settings`` hook; each is scrubbed in every form CAD may write it: as is,
whitespace-collapsed (error messages are one line), JSON-escaped, ``repr``-escaped,
URL-encoded and base64-encoded (e.g. inside an ``Authorization: Basic`` header).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import sys
from urllib.parse import quote, quote_plus

LOG_FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warn", "warning", "error", "fatal", "critical")
MIN_SECRET = 4  # shorter values would scrub ordinary words
MIN_BASE64_SECRET = 8  # a base64 fragment of fewer characters matches too much by chance
OWN_LOGGERS = ("cad", "cad_")  # everything else is a library, quiet below WARNING
_CONTROL = {i: f"\\x{i:02x}" for i in range(32) if i != 9} | {10: "\\n", 13: "\\r", 127: "\\x7f"}


def secrets() -> list[str]:
    """Current values of every declared secret (each part of a comma list on its own)."""
    from cad_core.plugins.declared import secret_values

    return [value for value in secret_values() if len(value) >= MIN_SECRET]


def _base64_fragments(value: bytes) -> set[str]:
    """The part of value's base64 that is the same wherever it sits in a longer string."""
    found = set()
    for offset in range(3):
        start = -(-4 * offset // 3)  # ceil: the first character not touched by the prefix
        end = 8 * (offset + len(value)) // 6  # the last one not touched by what follows
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            found.add(encode(b"\0" * offset + value).decode()[start:end])
    return found


def encoded_forms(value: str) -> set[str]:
    """Every form in which CAD might write ``value``."""
    json_escaped = json.dumps(value)[1:-1]
    forms = {
        value,
        " ".join(value.split()),
        json_escaped,
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(json_escaped)[1:-1],  # JSON inside JSON, e.g. a webhook body string
        repr(value)[1:-1],
        repr(value.encode())[2:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
    }
    if len(value) >= MIN_BASE64_SECRET:
        forms |= _base64_fragments(value.encode())
    return {form for form in forms if len(form) >= MIN_SECRET}


@functools.lru_cache(maxsize=32)
def _all_forms(values: tuple[str, ...]) -> tuple[str, ...]:
    forms: set[str] = set()
    for value in values:
        forms |= encoded_forms(value)
    return tuple(sorted(forms, key=len, reverse=True))  # longest first: no partial leftovers


def redact(text: str) -> str:
    for form in _all_forms(tuple(secrets())):
        text = text.replace(form, "***")
    return text


def escape_controls(text: str) -> str:
    """One log record is one line: newlines and other control characters are escaped."""
    return text.translate(_CONTROL)


class RedactingFormatter(logging.Formatter):
    """Formats a record so that no value can break the line or leak a secret.

    A message whose arguments do not fit its format string is still logged (with its raw
    parts) instead of printing a logging traceback; ``%`` in values is never interpreted.
    """

    def __init__(self, fmt: str | None = None, prefix: str = "") -> None:
        super().__init__(fmt)
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line (or print a traceback)
            message = f"{record.msg!r} {record.args!r}"
        safe = logging.makeLogRecord(
            {**record.__dict__, "msg": escape_controls(message), "args": None}
        )
        safe.pipeline = self.prefix
        return redact(super().format(safe))


class JsonFormatter(logging.Formatter):
    """One JSON object a line; every string redacted before and after it is encoded."""

    def __init__(self, pipeline: str = "") -> None:
        super().__init__()
        self.pipeline = pipeline

    def format(self, record: logging.LogRecord) -> str:
        from cad_core.logcontext import fields

        try:
            message = record.getMessage()
        except Exception:  # as in RedactingFormatter: a bad format string keeps its line
            message = f"{record.msg!r} {record.args!r}"
        line: dict[str, str | None] = {
            "time": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
            **fields(),
        }
        if self.pipeline:
            line["pipeline"] = self.pipeline
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        safe = {key: redact(value) if value else value for key, value in line.items()}
        # Redacting the encoded line too: a form that only appears once escaped still goes.
        return redact(json.dumps(safe))


def _utc(created: float) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_format() -> str:
    """``CAD_LOG_FORMAT``, checked like every declared setting (one line, exit 2)."""
    from cad_core.errors import BadInputError
    from cad_core.plugins.checks import choice_check
    from cad_core.settings import setting

    value = setting("CAD_LOG_FORMAT", check=False) or "text"
    try:
        choice_check(*LOG_FORMATS)(value)
    except ValueError as error:
        raise BadInputError(f"CAD_LOG_FORMAT {error}") from None
    return value.lower()


class LibraryFilter(logging.Filter):
    """Drops library records below WARNING: they can carry request headers and bodies."""

    def __init__(self, libraries: bool) -> None:
        super().__init__()
        self.libraries = libraries

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == "cad" or record.name.startswith(OWN_LOGGERS)
        return own or self.libraries or record.levelno >= logging.WARNING


def level_from(value: str | None) -> int:
    from cad_core.settings import setting

    name = (value or setting("LOG_LEVEL", strip=False) or "info").strip().lower()
    if name not in LEVELS:
        from cad_core.errors import BadInputError

        raise BadInputError(f"log level {name!r} is not one of {', '.join(LEVELS[:5])}")
    special = {"warn": logging.WARNING, "fatal": logging.CRITICAL}
    return special.get(name) or int(logging.getLevelName(name.upper()))


def setup_logging(level: str | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    from cad_core.settings import flag, setting

    pipeline = escape_controls(setting("PIPELINE_NAME", strip=False))
    prefix = f"[{pipeline}] " if pipeline else ""
    if log_format() == "json":
        handler.setFormatter(JsonFormatter(setting("PIPELINE_NAME")))
    else:
        handler.setFormatter(
            RedactingFormatter(
                "%(asctime)s %(levelname)s %(pipeline)s%(name)s: %(message)s", prefix
            )
        )
    libraries = flag("CAD_LOG_LIBRARIES")
    handler.addFilter(LibraryFilter(libraries))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_from(level))
    if libraries:
        return
    # The filter above is what guarantees it; this spares making the records at all.
    for noisy in ("urllib3", "botocore", "boto3", "s3transfer", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
