"""The service's notion of now (tests pin it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# dates (due dates, overdue) are the sector's calendar days
SECTOR_TIMEZONE = ZoneInfo("Asia/Riyadh")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(SECTOR_TIMEZONE).date()
