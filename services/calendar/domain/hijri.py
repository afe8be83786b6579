"""Umm al-Qura dates (the `hijridate` package's table, 1343–1500 AH / 1924–2077 CE)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from hijridate import Gregorian, Hijri

FIRST_HIJRI_YEAR = 1343
LAST_HIJRI_YEAR = 1500


@lru_cache(maxsize=8192)  # every occurrence of every answer asks; a day's answer never changes
def to_hijri(day: date) -> str | None:
    """`1447-09-01` for 2026-02-18; None outside the table's range."""
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except (ValueError, OverflowError):
        return None
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def hijri_parts(day: date) -> tuple[int, int, int]:
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return h.year, h.month, h.day


def month_length(year: int, month: int) -> int:
    return int(Hijri(year, month, 1).month_length())


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of a Hijri one; ValueError when it does not exist."""
    g = Hijri(year, month, day).to_gregorian()
    return date(g.year, g.month, g.day)


def hijri_year_of(day: date) -> int:
    return hijri_parts(day)[0]
