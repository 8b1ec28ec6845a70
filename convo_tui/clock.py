"""Time helpers: every timestamp convo stores is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def parse_stored(value: str) -> datetime:
    """A timestamp as SQLite keeps it (naive UTC text) back as aware UTC.

    Appending "+00:00" and parsing once costs a sixth of `replace(tzinfo=...)`;
    text written elsewhere with its own offset is converted instead.
    """
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:
        return datetime.fromisoformat(value).astimezone(UTC)
