"""The service's notion of "now" (one place, so tests can move time)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
