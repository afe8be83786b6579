"""KPI periods: `2027-01` (monthly), `2027-Q1` (quarterly), `2027` (yearly)."""

from __future__ import annotations

import re
from datetime import date

FREQUENCIES = ("monthly", "quarterly", "yearly")
_PATTERNS = {
    "monthly": re.compile(r"([1-9][0-9]{3})-(0[1-9]|1[0-2])"),
    "quarterly": re.compile(r"([1-9][0-9]{3})-Q([1-4])"),
    "yearly": re.compile(r"([1-9][0-9]{3})"),
}
# how many months a period of each frequency spans
MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def frequency_of(period: str) -> str | None:
    """The frequency whose format `period` has, or None."""
    for frequency, pattern in _PATTERNS.items():
        if pattern.fullmatch(period):
            return frequency
    return None


def bounds(period: str) -> tuple[date, date]:
    """First and last day of the period (ValueError when it is none of the formats)."""
    frequency = frequency_of(period)
    if frequency is None:
        raise ValueError(period)
    year = int(period[:4])
    if frequency == "yearly":
        return date(year, 1, 1), date(year, 12, 31)
    first_month = int(period[5:7]) if frequency == "monthly" else (int(period[6]) - 1) * 3 + 1
    last_month = first_month + MONTHS[frequency] - 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def contains(outer: str, inner: str) -> bool:
    """Whether period `inner` lies inside period `outer` (or is it)."""
    outer_start, outer_end = bounds(outer)
    inner_start, inner_end = bounds(inner)
    return outer_start <= inner_start and inner_end <= outer_end


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def periods_in(window: str, frequency: str) -> list[str]:
    """The periods of `frequency` inside `window`, in order (none when the window is
    shorter than one of them)."""
    start, end = bounds(window)
    found: list[str] = []
    for year in range(start.year, end.year + 1):
        if frequency == "yearly":
            candidates = [f"{year:04d}"]
        elif frequency == "quarterly":
            candidates = [f"{year:04d}-Q{q}" for q in range(1, 5)]
        else:
            candidates = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
        found.extend(p for p in candidates if contains(window, p))
    return found
