"""The SLA clock's arithmetic (pure): business time in an organization's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.inquiries.domain.business_hours import (
    BusinessCalendar,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
)

RIYADH = ZoneInfo("Asia/Riyadh")
SAUDI = BusinessCalendar()  # Asia/Riyadh, Sunday–Thursday, 08:00–16:00
EID = frozenset(date(2026, 11, d) for d in range(22, 27))  # Sun 22 – Thu 26 Nov 2026


def riyadh(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=RIYADH)


# 2026-11-19 is a Thursday, 20–21 the weekend, 22 a Sunday.
ADD_CASES = [
    # (calendar, start, business hours, expected due, why)
    (SAUDI, riyadh(19, 15), 8, riyadh(22, 15), "the issue's example: Thu 15:00 + 8h → Sun 15:00"),
    (SAUDI, riyadh(22, 10), 2, riyadh(22, 12), "inside one working day"),
    (SAUDI, riyadh(22, 8), 8, riyadh(22, 16), "a full day ends at closing time, not next morning"),
    (SAUDI, riyadh(22, 16), 1, riyadh(23, 9), "from closing time: next morning"),
    (SAUDI, riyadh(21, 12), 1, riyadh(22, 9), "from the weekend: Sunday morning"),
    (SAUDI, riyadh(20, 23), 3, riyadh(22, 11), "Friday night"),
    (SAUDI, riyadh(23, 6), 0.5, riyadh(23, 8, 30), "before opening"),
    (SAUDI, riyadh(23, 20), 1, riyadh(24, 9), "after closing"),
    (SAUDI, riyadh(22, 8), 40, riyadh(26, 16), "a five-day week"),
    (SAUDI, riyadh(19, 15), 9, riyadh(22, 16), "one hour Thursday, a full Sunday"),
    (SAUDI, riyadh(19, 15), 9.25, riyadh(23, 8, 15), "… and a quarter hour on Monday"),
    (
        BusinessCalendar(holidays=frozenset({date(2026, 11, 22)})),
        riyadh(19, 15),
        8,
        riyadh(23, 15),
        "a Sunday holiday is skipped",
    ),
    (
        BusinessCalendar(holidays=EID),
        riyadh(19, 15),
        8,
        riyadh(29, 15),
        "a week of Eid holidays is skipped",
    ),
    (
        BusinessCalendar("Asia/Baghdad", frozenset({4, 5}), time(9), time(14)),
        datetime(2026, 11, 22, 5, 0, tzinfo=UTC),
        6,
        datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        "Baghdad, 09:00–14:00 (UTC+3)",
    ),
    (
        BusinessCalendar("Asia/Bahrain", frozenset({4, 5}), time(7), time(14)),
        datetime(2026, 11, 19, 13, 0, tzinfo=RIYADH),
        2,
        datetime(2026, 11, 22, 8, 0, tzinfo=RIYADH),
        "Bahrain, 07:00–14:00",
    ),
    (
        BusinessCalendar("UTC", frozenset({5, 6}), time(9), time(17)),
        datetime(2026, 11, 20, 16, 0, tzinfo=UTC),
        2,
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "a Saturday–Sunday weekend",
    ),
    (
        BusinessCalendar("Europe/Berlin", frozenset({5, 6}), time(1), time(4)),
        datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        2,
        datetime(2026, 3, 30, 3, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        "Sunday is off; Monday 01:00 + 2h (the DST day itself is a weekend day)",
    ),
]


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "expected", "why"), ADD_CASES, ids=[c[4] for c in ADD_CASES]
)
def test_add_business_time(calendar, start, hours, expected, why):
    due = add_business_time(calendar, start, timedelta(hours=hours))
    assert due == expected, why
    assert due.tzinfo is not None
    # measuring the interval back gives the amount again
    assert business_time_between(calendar, start, due) == timedelta(hours=hours)


def test_a_working_day_with_a_dst_change_counts_its_real_length():
    berlin = BusinessCalendar("Europe/Berlin", frozenset({5}), time(0), time(6))
    start = datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Sunday, DST day
    # 00:00–06:00 local on that day is only 5 real hours
    assert business_time_between(berlin, start, start + timedelta(days=1)) == timedelta(hours=5)
    due = add_business_time(berlin, start, timedelta(hours=5))
    assert due == datetime(2026, 3, 29, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))


BETWEEN_CASES = [
    (SAUDI, riyadh(19, 15), riyadh(22, 15), 8 * 60, "Thursday afternoon to Sunday"),
    (SAUDI, riyadh(20, 0), riyadh(21, 23, 59), 0, "a weekend counts nothing"),
    (SAUDI, riyadh(22, 7), riyadh(22, 9), 60, "opening hour only"),
    (SAUDI, riyadh(22, 15), riyadh(22, 17), 60, "closing hour only"),
    (SAUDI, riyadh(22, 12), riyadh(22, 12), 0, "empty interval"),
    (SAUDI, riyadh(22, 12), riyadh(22, 11), 0, "reversed interval"),
    (BusinessCalendar(holidays=EID), riyadh(19, 8), riyadh(29, 16), 16 * 60, "Eid week off"),
    (SAUDI, riyadh(1, 8), riyadh(1, 8, month=12), 22 * 8 * 60, "November 2026: 22 days"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "end", "minutes", "why"), BETWEEN_CASES, ids=[c[4] for c in BETWEEN_CASES]
)
def test_business_minutes_between(calendar, start, end, minutes, why):
    assert business_minutes_between(calendar, start, end) == minutes, why


def test_paused_minutes_are_added_to_the_target():
    # Created Sunday 08:00 with an 8 h target; it waited for the citizen 3 business hours
    # (Sunday 10:00–13:00): the due time moves from Sunday 16:00 to Monday 11:00.
    start = riyadh(22, 8)
    paused = business_minutes_between(SAUDI, riyadh(22, 10), riyadh(22, 13))
    assert paused == 180
    assert add_business_minutes(SAUDI, start, 8 * 60) == riyadh(22, 16)
    assert add_business_minutes(SAUDI, start, 8 * 60 + paused) == riyadh(23, 11)


def test_zero_and_invalid_inputs():
    start = riyadh(21, 12)
    assert add_business_time(SAUDI, start, timedelta(0)) == start
    with pytest.raises(ValueError):
        add_business_time(SAUDI, start, timedelta(minutes=-1))
    with pytest.raises(ValueError):
        add_business_time(SAUDI, datetime(2026, 11, 22, 8), timedelta(hours=1))  # naive
    with pytest.raises(ValueError):
        BusinessCalendar(weekend=frozenset(range(7)))
    with pytest.raises(ValueError):
        BusinessCalendar(work_start=time(16), work_end=time(8))
    with pytest.raises(ValueError):
        BusinessCalendar(timezone="Mars/Olympus")
