"""The built-in occasions and their dates.

Hijri occasions fall on an Umm al-Qura month and day (`hijridate`), unless a moon-sighting
confirmation gives that Hijri year's Gregorian start; Gregorian ones on a fixed day.
`region` is an ISO 3166 country (the organization tree's, from its time zone: see
`services/common/regions.py`), or None for every region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.calendar.domain import hijri


@dataclass(frozen=True)
class BuiltIn:
    code: str
    region: str | None
    name_ar: str
    name_en: str
    calendar: str  # "hijri" | "gregorian"
    month: int
    day: int
    duration_days: int = 1
    day_off: bool = False


BUILT_IN: tuple[BuiltIn, ...] = (
    BuiltIn("sa-founding-day", "SA", "يوم التأسيس", "Founding Day", "gregorian", 2, 22, 1, True),
    BuiltIn(
        "sa-national-day",
        "SA",
        "اليوم الوطني السعودي",
        "Saudi National Day",
        "gregorian",
        9,
        23,
        1,
        True,
    ),
    BuiltIn(
        "bh-national-day",
        "BH",
        "العيد الوطني البحريني",
        "Bahrain National Day",
        "gregorian",
        12,
        16,
        2,
        True,
    ),
    BuiltIn(
        "iq-national-day",
        "IQ",
        "اليوم الوطني العراقي",
        "Iraqi National Day",
        "gregorian",
        10,
        3,
        1,
        True,
    ),
    BuiltIn("ramadan", None, "شهر رمضان المبارك", "Ramadan", "hijri", 9, 1, 29, False),
    BuiltIn("eid-al-fitr", None, "عيد الفطر", "Eid al-Fitr", "hijri", 10, 1, 3, True),
    BuiltIn("arafat-day", None, "يوم عرفة", "Arafat Day", "hijri", 12, 9, 1, True),
    BuiltIn("eid-al-adha", None, "عيد الأضحى", "Eid al-Adha", "hijri", 12, 10, 3, True),
    BuiltIn("hijri-new-year", None, "رأس السنة الهجرية", "Hijri New Year", "hijri", 1, 1, 1, True),
    BuiltIn(
        "mawlid", "IQ", "المولد النبوي الشريف", "The Prophet's Birthday", "hijri", 3, 12, 1, True
    ),
)


@dataclass(frozen=True)
class Dated:
    hijri_year: int | None
    start: date
    end: date  # inclusive
    confirmed: bool


def computed_start(calendar: str, month: int, day: int, year: int) -> date:
    """`year` is a Hijri year for Hijri occasions, a Gregorian one otherwise."""
    if calendar == "hijri":
        return hijri.to_gregorian(year, month, day)
    return date(year, month, day)


def dates_in(
    calendar: str,
    month: int,
    day: int,
    duration_days: int,
    gregorian_year: int,
    confirmations: dict[int, date],
) -> list[Dated]:
    """The occasion's dates that start in a Gregorian year (a Hijri occasion may start
    twice in one)."""
    span = timedelta(days=duration_days - 1)
    if calendar == "gregorian":
        try:
            start = date(gregorian_year, month, day)
        except ValueError:  # 29 February of a common year
            return []
        return [Dated(None, start, start + span, False)]
    first = hijri.hijri_year_of(date(gregorian_year, 1, 1))
    found = []
    for year in (first, first + 1):
        if not hijri.FIRST_HIJRI_YEAR <= year <= hijri.LAST_HIJRI_YEAR:
            continue
        confirmed = confirmations.get(year)
        try:
            start = confirmed or computed_start(calendar, month, day, year)
        except ValueError:  # a day 30 that this Hijri month lacks
            continue
        if start.year == gregorian_year:
            found.append(Dated(year, start, start + span, confirmed is not None))
    return found


def days_of(dated: Dated) -> list[date]:
    return [dated.start + timedelta(days=i) for i in range((dated.end - dated.start).days + 1)]
