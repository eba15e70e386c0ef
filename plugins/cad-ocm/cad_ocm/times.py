"""Timestamps as OCM writes them (RFC 3339)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 time as an aware UTC datetime, or ``None`` when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def log_time(entry: Mapping[str, Any]) -> datetime:
    """When a service log happened; entries without a time sort first."""
    return (
        parse_timestamp(entry.get("timestamp"))
        or parse_timestamp(entry.get("created_at"))
        or EARLIEST
    )
