"""Logging to stderr, with secrets scrubbed from every line and from printed output."""

from __future__ import annotations

import logging
import os
import sys

SECRET_SETTINGS = (
    "CAD_PD_TOKEN",
    "CAD_OCM_CLIENT_SECRET",
    "PD_SIGNATURE",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
LEVELS = ("debug", "info", "warn", "warning", "error", "fatal", "critical")


def secrets() -> list[str]:
    """Current secret values (PD_SIGNATURE may hold several, comma-separated)."""
    values: list[str] = []
    for name in SECRET_SETTINGS:
        raw = os.environ.get(name, "")
        parts = raw.split(",") if name == "PD_SIGNATURE" else [raw]
        values.extend(p.strip() for p in parts if len(p.strip()) >= 4)
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    for value in secrets():
        text = text.replace(value, "***")
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def level_from(value: str | None) -> int:
    name = (value or os.environ.get("LOG_LEVEL") or "info").strip().lower()
    if name not in LEVELS:
        from cad_core.errors import BadInputError

        raise BadInputError(f"log level {name!r} is not one of {', '.join(LEVELS[:5])}")
    special = {"warn": logging.WARNING, "fatal": logging.CRITICAL}
    return special.get(name) or int(logging.getLevelName(name.upper()))


def setup_logging(level: str | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    pipeline = os.environ.get("PIPELINE_NAME", "")
    prefix = f"[{pipeline}] " if pipeline else ""
    handler.setFormatter(
        RedactingFormatter(f"%(asctime)s %(levelname)s {prefix}%(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_from(level))
    # Client libraries log request details (and sometimes headers) at debug level.
    for noisy in ("urllib3", "botocore", "boto3", "httpx", "httpx2", "httpcore", "pagerduty"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
