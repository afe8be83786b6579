"""Recurrence: RFC 5545 RRULE through `dateutil.rrule`, RFC 7529 `RSCALE=ISLAMIC-UMALQURA`
rules on the Umm al-Qura calendar (`hijridate`) expanded here, since no Python recurrence
library implements RSCALE.

Occurrences are computed in the entry's local wall time and then placed in its time zone,
so a weekly 09:00 meeting stays at 09:00 across a DST change.

A series is bounded: its rule carries COUNT or UNTIL, and it ends within ten years of its
first occurrence (at most `MAX_OCCURRENCES`). Every occurrence is then stored
(`calendar_occurrence`), so reads never expand rules.

Hijri rules supported: `FREQ=YEARLY` (BYMONTH, BYMONTHDAY) and `FREQ=MONTHLY`
(BYMONTHDAY, optionally BYMONTH), INTERVAL, COUNT, UNTIL and RFC 7529's SKIP (OMIT, the
default: a day 30 that a 29-day month lacks is skipped; BACKWARD: the month's last day;
FORWARD: the next month's first). Missing BYMONTH/BYMONTHDAY default to the first
occurrence's Hijri month and day. A negative BYMONTHDAY counts from the month's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from services.calendar.domain import hijri

MAX_YEARS = 10
MAX_OCCURRENCES = 3660
RSCALE_HIJRI = "ISLAMIC-UMALQURA"
HIJRI_KEYS = {"RSCALE", "FREQ", "BYMONTH", "BYMONTHDAY", "INTERVAL", "COUNT", "UNTIL", "SKIP"}


class RuleError(ValueError):
    """An RRULE the calendar cannot accept; carries Arabic and English messages."""

    def __init__(self, message_ar: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ar = message_ar
        self.message_en = message_en


@dataclass(frozen=True)
class Series:
    """What recurrence needs of an entry: its first occurrence in local wall time (a
    midnight for all-day entries), its length, time zone, rule and exceptions."""

    local_start: datetime  # naive, wall time of `timezone`
    duration: timedelta  # wall-clock length (whole days for all-day entries)
    timezone: str
    all_day: bool
    rrule: str | None = None
    exdates: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Instance:
    recurrence_id: str
    local_start: datetime  # naive wall time
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    start_date: date | None
    end_date: date | None  # inclusive (all-day)


def parts_of(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for chunk in rule.strip().removeprefix("RRULE:").split(";"):
        if not chunk:
            continue
        key, sep, value = chunk.partition("=")
        if not sep or not value:
            raise RuleError("قاعدة التكرار غير مفهومة", f"Cannot read the RRULE part '{chunk}'")
        parts[key.strip().upper()] = value.strip().upper()
    if "FREQ" not in parts:
        raise RuleError("قاعدة التكرار تحتاج FREQ", "The RRULE needs FREQ")
    return parts


def is_hijri(rule: str | None) -> bool:
    return bool(rule) and parts_of(rule or "").get("RSCALE") == RSCALE_HIJRI


def recurrence_id_of(local_start: datetime, tz: ZoneInfo, all_day: bool) -> str:
    if all_day:
        return local_start.strftime("%Y%m%d")
    return local_start.replace(tzinfo=tz).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_recurrence_id(value: str, all_day: bool) -> str:
    """Normalizes a recurrence id from a path: `20260218` for all-day entries,
    `20260218T060000Z` (UTC) for timed ones; also accepts RFC 3339 / ISO forms."""
    value = value.strip()
    try:
        if all_day:
            day = date.fromisoformat(value[:10]) if "-" in value else _basic_date(value)
            return day.strftime("%Y%m%d")
        if "-" in value:  # RFC 3339
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(value)
        else:
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except (ValueError, OverflowError) as exc:
        raise RuleError(
            "معرّف التكرار غير صالح (مثل 20260218T060000Z أو 20260218)",
            "Invalid recurrence id (e.g. 20260218T060000Z, or 20260218 for all-day entries)",
        ) from exc


def _basic_date(value: str) -> date:
    return datetime.strptime(value[:8], "%Y%m%d").date()


def _until_local(value: str, tz: ZoneInfo) -> datetime:
    """UNTIL as local wall time (UTC values converted; a date means the day's end)."""
    try:
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return moment.astimezone(tz).replace(tzinfo=None)
        if "T" in value:
            return datetime.strptime(value, "%Y%m%dT%H%M%S")
        return datetime.combine(_basic_date(value), time(23, 59, 59))
    except ValueError as exc:
        raise RuleError("قيمة UNTIL غير صالحة", f"Invalid UNTIL value '{value}'") from exc


def _positive_int(parts: dict[str, str], key: str, default: int | None) -> int | None:
    raw = parts.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise RuleError(f"قيمة {key} غير صالحة", f"{key} must be a positive integer")
    return int(raw)


def _int_list(parts: dict[str, str], key: str, low: int, high: int) -> list[int]:
    raw = parts.get(key)
    if raw is None:
        return []
    values = []
    for item in raw.split(","):
        try:
            value = int(item)
        except ValueError as exc:
            raise RuleError(f"قيمة {key} غير صالحة", f"Invalid {key} value '{item}'") from exc
        if not (low <= abs(value) <= high) or (value < 0 and key == "BYMONTH"):
            raise RuleError(f"قيمة {key} خارج النطاق", f"{key} value {value} is out of range")
        values.append(value)
    return values


def _gregorian_starts(series: Series, parts: dict[str, str], tz: ZoneInfo) -> Iterator[datetime]:
    rule = ";".join(
        f"{k}={_until_local(v, tz).strftime('%Y%m%dT%H%M%S') if k == 'UNTIL' else v}"
        for k, v in parts.items()
    )
    try:
        recurrence = rrulestr(rule, dtstart=series.local_start, forceset=False)
    except (ValueError, TypeError, KeyError) as exc:
        raise RuleError("قاعدة التكرار غير مفهومة", f"Cannot read the RRULE: {exc}") from exc
    return iter(recurrence)


def _hijri_starts(series: Series, parts: dict[str, str], tz: ZoneInfo) -> Iterator[datetime]:
    unknown = set(parts) - HIJRI_KEYS
    if unknown:
        raise RuleError(
            "أجزاء غير مدعومة في قاعدة هجرية: " + ", ".join(sorted(unknown)),
            "Not supported with RSCALE=ISLAMIC-UMALQURA: " + ", ".join(sorted(unknown)),
        )
    freq = parts["FREQ"]
    if freq not in {"YEARLY", "MONTHLY"}:
        raise RuleError(
            "التكرار الهجري سنوي أو شهري فقط", "Hijri rules recur YEARLY or MONTHLY only"
        )
    skip = parts.get("SKIP", "OMIT")
    if skip not in {"OMIT", "BACKWARD", "FORWARD"}:
        raise RuleError("قيمة SKIP غير صالحة", "SKIP is OMIT, BACKWARD or FORWARD")
    interval = _positive_int(parts, "INTERVAL", 1) or 1
    start_day = series.local_start.date()
    try:
        hy, hm, hd = hijri.hijri_parts(start_day)
    except (ValueError, OverflowError) as exc:
        raise RuleError(
            "التاريخ خارج نطاق تقويم أم القرى", "The start is outside the Umm al-Qura table"
        ) from exc
    months = sorted(_int_list(parts, "BYMONTH", 1, 12)) or ([hm] if freq == "YEARLY" else [])
    days = _int_list(parts, "BYMONTHDAY", 1, 30) or [hd]
    clock = series.local_start.time()

    def day_in(year: int, month: int, wanted: int) -> date | None:
        length = hijri.month_length(year, month)
        day = wanted if wanted > 0 else length + wanted + 1
        if 1 <= day <= length:
            return hijri.to_gregorian(year, month, day)
        if day < 1 or skip == "OMIT":
            return None
        if skip == "BACKWARD":
            return hijri.to_gregorian(year, month, length)
        return hijri.to_gregorian(year, month, length) + timedelta(days=1)

    def candidates() -> Iterator[date]:
        year, month = hy, hm
        while year <= hijri.LAST_HIJRI_YEAR:
            if freq == "YEARLY":
                groups = [(year, m) for m in months]
                year += interval
            else:
                groups = [(year, month)] if not months or month in months else []
                month += interval
                while month > 12:
                    month -= 12
                    year += 1
            for y, m in groups:
                if y > hijri.LAST_HIJRI_YEAR:
                    return
                found = sorted({d for d in (day_in(y, m, w) for w in days) if d is not None})
                yield from found

    def starts() -> Iterator[datetime]:
        for day in candidates():
            if day >= start_day:
                yield datetime.combine(day, clock)

    return starts()


def instances(series: Series) -> list[Instance]:
    """Every occurrence of the series (exceptions removed), in order. Raises RuleError for
    a rule that cannot be read, that never occurs, or that is not bounded within ten years."""
    tz = ZoneInfo(series.timezone)
    if series.rrule:
        parts = parts_of(series.rrule)
        if "COUNT" in parts and "UNTIL" in parts:
            raise RuleError("لا تجمع COUNT وUNTIL", "COUNT and UNTIL cannot both be given")
        count = _positive_int(parts, "COUNT", None)
        until = _until_local(parts["UNTIL"], tz) if "UNTIL" in parts else None
        if count is None and until is None:
            raise RuleError(
                "حدّد نهاية للتكرار بـ COUNT أو UNTIL (عشر سنوات على الأكثر)",
                "A recurrence needs COUNT or UNTIL (ten years at most)",
            )
        if parts.get("RSCALE") == RSCALE_HIJRI:
            starts: Iterable[datetime] = _hijri_starts(series, parts, tz)
        elif "RSCALE" in parts and parts["RSCALE"] != "GREGORIAN":
            raise RuleError(
                "التقويم غير مدعوم (ISLAMIC-UMALQURA أو GREGORIAN)",
                "Unsupported RSCALE (ISLAMIC-UMALQURA or GREGORIAN)",
            )
        else:
            parts.pop("RSCALE", None)
            parts.pop("SKIP", None)
            starts = _gregorian_starts(series, parts, tz)
        limit = series.local_start + timedelta(days=3653 * MAX_YEARS // 10)
        chosen: list[datetime] = []
        try:
            for start in starts:
                if until is not None and start > until:
                    break
                if count is not None and len(chosen) >= count:
                    break
                if start > limit or len(chosen) >= MAX_OCCURRENCES:
                    raise RuleError(
                        f"تتجاوز السلسلة عشر سنوات أو {MAX_OCCURRENCES} موعدًا",
                        f"The series goes beyond ten years or {MAX_OCCURRENCES} occurrences",
                    )
                chosen.append(start)
        except (ValueError, OverflowError, TypeError) as exc:
            if isinstance(exc, RuleError):
                raise
            raise RuleError("قاعدة التكرار غير مفهومة", f"Cannot expand the RRULE: {exc}") from exc
        if not chosen:
            raise RuleError("لا ينتج عن قاعدة التكرار أي موعد", "The RRULE yields no occurrence")
    else:
        chosen = [series.local_start]
    found = [instance_at(series, start, tz) for start in chosen]
    return [i for i in found if i.recurrence_id not in series.exdates]


def instance_at(series: Series, local_start: datetime, tz: ZoneInfo | None = None) -> Instance:
    tz = tz or ZoneInfo(series.timezone)
    local_end = local_start + series.duration
    if series.all_day:
        last = (local_end - timedelta(days=1)).date()
        return Instance(
            recurrence_id=recurrence_id_of(local_start, tz, True),
            local_start=local_start,
            starts_at=local_start.replace(tzinfo=tz).astimezone(UTC),
            ends_at=local_end.replace(tzinfo=tz).astimezone(UTC),
            start_date=local_start.date(),
            end_date=last,
        )
    return Instance(
        recurrence_id=recurrence_id_of(local_start, tz, False),
        local_start=local_start,
        starts_at=local_start.replace(tzinfo=tz).astimezone(UTC),
        ends_at=local_end.replace(tzinfo=tz).astimezone(UTC),
        start_date=None,
        end_date=None,
    )


def with_until(rule: str, local_until: datetime, tz: ZoneInfo, all_day: bool) -> str:
    """The rule ending at `local_until` (inclusive): COUNT dropped, UNTIL set (UTC for
    timed series, a date for all-day ones)."""
    parts = parts_of(rule)
    parts.pop("COUNT", None)
    if all_day:
        parts["UNTIL"] = local_until.strftime("%Y%m%d")
    else:
        parts["UNTIL"] = local_until.replace(tzinfo=tz).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())


def with_count(rule: str, count: int) -> str:
    parts = parts_of(rule)
    parts["COUNT"] = str(count)
    return ";".join(f"{k}={v}" for k, v in parts.items())
