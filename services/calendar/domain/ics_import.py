"""An RFC 5545 file as import records: one record per UID (the series and its moved or
cancelled occurrences), parsed with the `icalendar` package.

The file is scanned once for its VEVENT blocks (their line, byte range and UID) and its
VTIMEZONE blocks; then each UID's blocks are read back and parsed together, so a large file
is never parsed whole. A record carries the create body's fields:

- UID → `external_id`; SUMMARY → `title_ar` (`X-GOVHUB-TITLE-EN` → `title_en`);
  DESCRIPTION → `description_ar`; LOCATION → `location`; the first CATEGORIES value that is
  an entry kind → `kind` (else `meeting`); STATUS:CANCELLED → `cancelled`.
- DTSTART/DTEND (or DURATION): dates → an all-day entry (`start_date`, `end_date`
  inclusive); times → `starts_at`/`ends_at` with the TZID as `timezone` (IANA names, and
  Windows names as Outlook writes them, are mapped; UTC stays UTC; a floating time takes
  the calendar's X-WR-TIMEZONE).
- RRULE → `rrule`, EXDATE → `exdates`; the hub's own Hijri series carry their rule in
  `X-GOVHUB-RSCALE-RRULE` (their RDATEs are its occurrences); other RDATEs are refused.
- VEVENTs with a RECURRENCE-ID → `overrides` (moved, or cancelled with STATUS:CANCELLED).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event, IncompleteComponent
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from services.calendar.schemas.common import KINDS
from services.common.i18n import text
from services.common.imports.readers import Record, RecordReader, broken

DEFAULT_KIND = "meeting"
_UNFOLD = re.compile(rb"\r?\n[ \t]")
_HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//govhub//import//AR\r\n"
_TAIL = b"END:VCALENDAR\r\n"


@dataclass
class _Block:
    line: int
    start: int
    end: int
    recurrence: bool


@dataclass
class _Group:
    line: int
    blocks: list[_Block] = field(default_factory=list)


class Refused(ValueError):
    """A VEVENT the import cannot take: the reason and the property at fault."""

    def __init__(self, reason: str, name: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.name = reason, name


def _name(line: bytes) -> bytes:
    return re.split(rb"[;:]", line, maxsplit=1)[0].strip().upper()


def _value(line: bytes) -> str:
    """The value of an unfolded content line (after the first `:` outside quotes)."""
    quoted = False
    for index, byte in enumerate(line):
        if byte == 0x22:
            quoted = not quoted
        elif byte == 0x3A and not quoted:
            return line[index + 1 :].decode("utf-8", "replace").strip()
    return ""


class IcsReader(RecordReader):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.groups: dict[str, _Group] = {}
        self.orphans: list[_Block] = []  # VEVENTs without a UID
        self.timezones: list[bytes] = []
        self.default_timezone: str | None = None
        self.total = 1
        self.done = 0
        self._scan()

    @property
    def progress(self) -> float:
        return min(self.done / self.total, 1.0)

    def _scan(self) -> None:
        offset, block_start, block_line, depth = 0, 0, 0, 0
        event: list[bytes] | None = None
        zone: list[bytes] | None = None
        with self.path.open("rb") as file:
            for number, raw in enumerate(file, start=1):
                line = raw.rstrip(b"\r\n")
                upper = line.strip().upper()
                if event is not None:
                    event.append(raw)
                    if upper.startswith(b"BEGIN:"):
                        depth += 1
                    elif upper.startswith(b"END:"):
                        depth -= 1
                        if depth == 0:
                            self._event(event, block_line, block_start, offset + len(raw))
                            event = None
                elif zone is not None:
                    zone.append(raw)
                    if upper == b"END:VTIMEZONE":
                        self.timezones.append(b"".join(zone))
                        zone = None
                elif upper == b"BEGIN:VEVENT":
                    event, block_start, block_line, depth = [raw], offset, number, 1
                elif upper == b"BEGIN:VTIMEZONE":
                    zone = [raw]
                elif _name(line) == b"X-WR-TIMEZONE":
                    self.default_timezone = _value(line) or None
                offset += len(raw)
        self.total = max(len(self.groups) + len(self.orphans), 1)

    def _event(self, lines: list[bytes], line: int, start: int, end: int) -> None:
        unfolded = _UNFOLD.sub(b"", b"".join(lines)).splitlines()
        uid = next((_value(item) for item in unfolded if _name(item) == b"UID"), "")
        recurrence = any(_name(item) == b"RECURRENCE-ID" for item in unfolded)
        block = _Block(line, start, end, recurrence)
        if not uid:
            self.orphans.append(block)
            return
        group = self.groups.setdefault(uid, _Group(line))
        group.blocks.append(block)

    def __iter__(self) -> Iterator[Record]:
        items: list[tuple[int, str | None, list[_Block]]] = [
            (group.line, uid, group.blocks) for uid, group in self.groups.items()
        ] + [(block.line, None, [block]) for block in self.orphans]
        items.sort(key=lambda item: item[0])
        zones = b"".join(self.timezones)
        with self.path.open("rb") as file:
            for line, uid, blocks in items:
                self.done += 1
                if uid is None:
                    yield broken(line, text("الحدث بلا UID", "The VEVENT has no UID"), "UID")
                    continue
                parts = []
                for block in blocks:
                    file.seek(block.start)
                    parts.append(file.read(block.end - block.start))
                yield self._record(line, uid, _HEAD + zones + b"".join(parts) + _TAIL)

    def _record(self, line: int, uid: str, content: bytes) -> Record:
        try:
            calendar = Calendar.from_ical(content)
            events = [e for e in calendar.walk("VEVENT") if isinstance(e, Event)]
            masters = [e for e in events if "RECURRENCE-ID" not in e]
            if len(masters) != 1:
                raise Refused(
                    text(
                        "لكل UID حدث رئيس واحد (بلا RECURRENCE-ID)",
                        "Each UID needs one VEVENT without RECURRENCE-ID",
                    ),
                    "RECURRENCE-ID",
                )
            overrides = [e for e in events if "RECURRENCE-ID" in e]
            return Record(line, entry_values(uid, masters[0], overrides, self.default_timezone))
        except Refused as exc:
            return broken(line, exc.reason, exc.name, uid)
        except (ValueError, KeyError, TypeError) as exc:
            return broken(
                line,
                text(f"حدث iCalendar غير صالح: {exc}", f"Invalid iCalendar event: {exc}"),
                None,
                uid,
            )


def _zone_name(tz: tzinfo | None, tzid: str | None) -> str | None:
    if tz is None:
        return None
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    if tz is UTC or str(tz).upper() in ("UTC", "Z"):
        return "UTC"
    if tzid:
        mapped = WINDOWS_TO_OLSON.get(tzid)
        if mapped:
            return str(mapped)
        try:
            zoneinfo.ZoneInfo(tzid)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None
        return tzid
    return None


def _tzid(event: Event, name: str) -> str | None:
    prop = event.get(name)
    params = getattr(prop, "params", None) or {}
    value = params.get("TZID")
    return str(value) if value else None


def _localized(value: date, floating: zoneinfo.ZoneInfo | None, name: str) -> date:
    if isinstance(value, datetime) and value.tzinfo is None:
        if floating is None:
            raise Refused(
                text(
                    "وقت بلا منطقة زمنية ولا X-WR-TIMEZONE في الملف",
                    "A floating time, and the file has no X-WR-TIMEZONE",
                ),
                name,
            )
        return value.replace(tzinfo=floating)
    return value


def _date_list(prop: Any) -> list[Any]:
    """The values of EXDATE / RDATE (one property or several)."""
    values: list[Any] = []
    for item in prop if isinstance(prop, list) else [prop]:
        values.extend(d.dt for d in item.dts)
    return values


def _iso(value: date) -> str:
    return value.isoformat()


def _times(
    event: Event, floating: zoneinfo.ZoneInfo | None, all_day: bool, name: str = "DTSTART"
) -> dict[str, Any]:
    start = _localized(event.start, floating, name)
    try:
        end = event.end
    except IncompleteComponent as exc:
        raise Refused(
            text("DTEND أو DURATION مطلوب", "DTEND or DURATION is required"), "DTEND"
        ) from exc
    end = _localized(end, floating, "DTEND")
    if all_day:
        if isinstance(start, datetime) or isinstance(end, datetime):
            raise Refused(
                text(
                    "يوم كامل وساعات في الحدث نفسه",
                    "All-day and timed values mixed in one event",
                ),
                name,
            )
        return {"start_date": _iso(start), "end_date": _iso(end - timedelta(days=1))}
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise Refused(
            text("يوم كامل وساعات في الحدث نفسه", "All-day and timed values mixed in one event"),
            name,
        )
    return {"starts_at": _iso(start), "ends_at": _iso(end)}


def entry_values(
    uid: str, master: Event, overrides: list[Event], default_timezone: str | None
) -> dict[str, Any]:
    floating = None
    if default_timezone:
        try:
            floating = zoneinfo.ZoneInfo(default_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            floating = None
    if "DTSTART" not in master:
        raise Refused(text("DTSTART مطلوب", "DTSTART is required"), "DTSTART")
    all_day = not isinstance(master.start, datetime)
    values: dict[str, Any] = {"external_id": uid, "all_day": all_day}
    values.update(_times(master, floating, all_day))
    start = master.start
    if isinstance(start, datetime):
        zone = _zone_name(start.tzinfo, _tzid(master, "DTSTART"))
        if zone is None and start.tzinfo is None and floating is not None:
            zone = default_timezone
        if zone:
            values["timezone"] = zone
    summary = master.get("SUMMARY")
    if summary is not None:
        values["title_ar"] = str(summary)
    for name, key in (
        ("X-GOVHUB-TITLE-EN", "title_en"),
        ("DESCRIPTION", "description_ar"),
        ("LOCATION", "location"),
    ):
        if master.get(name) is not None and str(master.get(name)).strip():
            values[key] = str(master.get(name))
    categories = [str(c) for c in master.categories] if "CATEGORIES" in master else []
    values["kind"] = next((c for c in categories if c in KINDS), DEFAULT_KIND)
    values["cancelled"] = str(master.get("STATUS", "")).upper() == "CANCELLED"
    rules = master.get("RRULE")
    hijri = master.get("X-GOVHUB-RSCALE-RRULE")
    if isinstance(rules, list):
        raise Refused(text("أكثر من RRULE في الحدث", "More than one RRULE"), "RRULE")
    if hijri is not None:
        values["rrule"] = str(hijri)
    elif rules is not None:
        values["rrule"] = rules.to_ical().decode()
        if "RDATE" in master:
            raise Refused(text("RDATE غير مدعوم", "RDATE is not supported"), "RDATE")
    elif "RDATE" in master:
        raise Refused(text("RDATE غير مدعوم", "RDATE is not supported"), "RDATE")
    if "EXDATE" in master:
        values["exdates"] = [
            _iso(_localized(d, floating, "EXDATE")) for d in _date_list(master["EXDATE"])
        ]
    moved = []
    for event in overrides:
        rid = _localized(event.decoded("RECURRENCE-ID"), floating, "RECURRENCE-ID")
        item: dict[str, Any] = {"recurrence_id": _iso(rid)}
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            item["cancelled"] = True
        else:
            item.update(_times(event, floating, all_day, "RECURRENCE-ID"))
        moved.append(item)
    if moved:
        values["overrides"] = moved
    return values


__all__ = ("IcsReader", "entry_values")
