"""Business time in an organization's calendar: pure functions, no database.

A business calendar is a time zone, the weekend days (Python weekday numbers, Monday = 0),
the daily working hours and the holidays. `add_business_time` finds the instant at which a
given amount of working time has passed since a start instant; `business_time_between`
measures the working time inside an interval. Both work on aware datetimes, do their
arithmetic in UTC (so a daylight-saving change inside a working day counts its real
length) and answer in UTC.

A due time that uses up the last minute of a working day is that day's closing time
(Thursday 16:00), not the next morning: the target is met by an answer sent at 16:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a due time may lie: ten years of calendar days, enough for any target
# on any calendar with at least one working day a week.
MAX_DAYS = 3660
ZERO = timedelta(0)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Asia/Riyadh"
    weekend: frozenset[int] = frozenset({4, 5})  # Friday, Saturday: a Sunday–Thursday week
    work_start: time = time(8, 0)
    work_end: time = time(16, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.work_start < self.work_end:
            raise ValueError("work_start must be before work_end")
        if len(set(self.weekend) & set(range(7))) == 7:
            raise ValueError("a calendar needs at least one working day a week")
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of `day` as UTC instants, or None on a day off."""
        if day.weekday() in self.weekend or day in self.holidays:
            return None
        zone = self.zone
        opens = datetime.combine(day, self.work_start, zone).astimezone(UTC)
        closes = datetime.combine(day, self.work_end, zone).astimezone(UTC)
        return opens, closes


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("business time needs aware datetimes")


def add_business_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The instant at which `amount` of working time has passed since `start`."""
    _require_aware(start)
    if amount < ZERO:
        raise ValueError("amount must not be negative")
    start = start.astimezone(UTC)
    if amount == ZERO:
        return start
    remaining = amount
    day = start.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS):
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("the target lies beyond the calendar's horizon")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """The working time inside [start, end); zero when end is not after start."""
    _require_aware(start)
    _require_aware(end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return ZERO
    zone = calendar.zone
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    total = ZERO
    while day <= last:
        window = calendar.window(day)
        if window is not None:
            opens, closes = window
            overlap = min(closes, end) - max(opens, start)
            if overlap > ZERO:
                total += overlap
        day += timedelta(days=1)
    return total


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    return add_business_time(calendar, start, timedelta(minutes=minutes))


def business_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole business minutes inside [start, end), rounded to the nearest minute."""
    return round(business_time_between(calendar, start, end).total_seconds() / 60)
