"""An RFC 5545 feed written with the `icalendar` package.

One VEVENT per entry (UID `<entry id>@govhub`, SEQUENCE = version) with its RRULE and
EXDATE; a moved occurrence is a VEVENT of the same UID with RECURRENCE-ID; a cancelled one
is an EXDATE. Clients do not implement RFC 7529 RSCALE, so a Hijri-recurring entry carries
its occurrences as RDATEs (computed on the Umm al-Qura table) and its rule in
`X-GOVHUB-RSCALE-RRULE`. VTIMEZONE components come from the time zone database
(`icalendar.Timezone.from_tzid`), NAME and REFRESH-INTERVAL from RFC 7986.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur
from icalendar.prop import vDuration, vText

PRODID = "-//govhub//unified calendar//AR"
STATUS = {
    "pending": "TENTATIVE",
    "approved": "CONFIRMED",
    "done": "CONFIRMED",
    "cancelled": "CANCELLED",
    "suspended": "CANCELLED",
    "draft": "TENTATIVE",
    "rejected": "CANCELLED",
}


@dataclass
class FeedEntry:
    id: Any
    kind: str
    status: str
    version: int
    title_ar: str
    title_en: str | None
    description_ar: str | None
    location: str | None
    all_day: bool
    starts_at: datetime
    ends_at: datetime
    start_date: date | None
    end_date: date | None
    timezone: str
    rrule: str | None
    hijri: bool
    exdates: list[str]
    updated_at: datetime
    created_at: datetime
    # (recurrence id, start, end, start date, end date, cancelled) of moved / cancelled ones
    overrides: list[tuple[str, datetime, datetime, date | None, date | None, bool]] = field(
        default_factory=list
    )
    # Hijri series: every occurrence's (start, start date)
    occurrences: list[tuple[datetime, date | None]] = field(default_factory=list)


def _recurrence_value(rid: str, entry: FeedEntry, tz: ZoneInfo) -> date | datetime:
    if entry.all_day:
        return datetime.strptime(rid, "%Y%m%d").date()
    utc = datetime.strptime(rid, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC"))
    return utc.astimezone(tz)


def _base(entry: FeedEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{entry.id}@govhub")
    event.add("dtstamp", stamp)
    event.add("created", entry.created_at)
    event.add("last-modified", entry.updated_at)
    event.add("sequence", entry.version)
    event.add("summary", vText(entry.title_ar), parameters={"LANGUAGE": "ar"})
    if entry.description_ar:
        event.add("description", entry.description_ar, parameters={"LANGUAGE": "ar"})
    if entry.location:
        event.add("location", entry.location)
    event.add("status", STATUS.get(entry.status, "TENTATIVE"))
    event.add("categories", [entry.kind])
    event.add("x-govhub-status", entry.status)
    if entry.title_en:
        event.add("x-govhub-title-en", entry.title_en)
    return event


def _times(event: Event, entry: FeedEntry, tz: ZoneInfo, start: Any, end: Any) -> None:
    event.add("dtstart", start)
    event.add("dtend", end)


def _rule(value: str) -> vRecur:
    rule: vRecur = vRecur.from_ical(value.removeprefix("RRULE:"))
    return rule


def events_of(entry: FeedEntry, stamp: datetime) -> list[Event]:
    tz = ZoneInfo(entry.timezone)
    event = _base(entry, stamp)
    if entry.all_day:
        assert entry.start_date is not None and entry.end_date is not None
        _times(event, entry, tz, entry.start_date, entry.end_date + timedelta(days=1))
    else:
        _times(event, entry, tz, entry.starts_at.astimezone(tz), entry.ends_at.astimezone(tz))
    cancelled = [o[0] for o in entry.overrides if o[5]]
    excluded = sorted(set(entry.exdates) | set(cancelled))
    if entry.rrule and entry.hijri:
        event.add("x-govhub-rscale-rrule", entry.rrule)
        first = entry.start_date if entry.all_day else entry.starts_at
        rdates = [
            (d if entry.all_day else s.astimezone(tz))
            for s, d in entry.occurrences
            if (d if entry.all_day else s) != first
        ]
        if rdates:
            event.add("rdate", rdates)
    elif entry.rrule:
        event.add("rrule", _rule(entry.rrule))
    if entry.rrule and excluded:
        event.add("exdate", [_recurrence_value(rid, entry, tz) for rid in excluded])
    found = [event]
    for rid, start, end, first_day, last_day, is_cancelled in entry.overrides:
        if is_cancelled:
            continue
        moved = _base(entry, stamp)
        moved.add("recurrence-id", _recurrence_value(rid, entry, tz))
        if entry.all_day and first_day is not None and last_day is not None:
            _times(moved, entry, tz, first_day, last_day + timedelta(days=1))
        else:
            _times(moved, entry, tz, start.astimezone(tz), end.astimezone(tz))
        found.append(moved)
    return found


# An entry's VEVENTs depend only on the entry as of its `updated_at` (overrides and status
# changes touch the entry's row too), so they are written once per version and kept here:
# a feed of 10,000 entries is then a join of cached bytes. Each process keeps its own.
_EVENTS: OrderedDict[tuple[Any, datetime, int], bytes] = OrderedDict()
_TIMEZONES: dict[str, bytes] = {}
EVENT_CACHE_SIZE = 100_000
END = b"END:VCALENDAR\r\n"


def entry_bytes(entry: FeedEntry) -> bytes:
    key = (entry.id, entry.updated_at, entry.version)
    found = _EVENTS.get(key)
    if found is not None:
        _EVENTS.move_to_end(key)
        return found
    # DTSTAMP is the entry's last change, so the bytes are stable between its changes
    written = b"".join(e.to_ical() for e in events_of(entry, entry.updated_at))
    _EVENTS[key] = written
    if len(_EVENTS) > EVENT_CACHE_SIZE:
        _EVENTS.popitem(last=False)
    return written


def timezone_bytes(tzid: str) -> bytes:
    found = _TIMEZONES.get(tzid)
    if found is None:
        found = _TIMEZONES[tzid] = bytes(Timezone.from_tzid(tzid).to_ical())
    return found


def feed(name: str, entries: Iterable[FeedEntry], refresh: timedelta) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    head = bytes(calendar.to_ical())
    items = list(entries)
    zones = sorted({e.timezone for e in items if not e.all_day and e.timezone != "UTC"})
    parts = [head.removesuffix(END)]
    parts += [timezone_bytes(z) for z in zones]
    parts += [entry_bytes(e) for e in items]
    parts.append(END)
    return b"".join(parts)


__all__: Sequence[str] = ("FeedEntry", "feed")
