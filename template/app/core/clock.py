"""The service's one notion of "now": timezone-aware UTC, whatever the database stores."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
