"""An entry's occurrences, materialized: its series expanded (Gregorian or Hijri rules,
overrides applied), each occurrence's row with its spans, local days and channels, and
the rows rewritten or their filter fields copied when the entry changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.hijri import to_hijri
from services.calendar.domain.recurrence import Instance, RuleError, Series
from services.calendar.errors import invalid
from services.calendar.models import Entry, Override
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import entries as repo
from services.calendar.repository import occurrences as occurrence_repo


def series_of(entry: Entry) -> Series:
    tz = ZoneInfo(entry.timezone)
    if entry.all_day:
        assert entry.start_date is not None and entry.end_date is not None
        local_start = datetime.combine(entry.start_date, time())
        duration = timedelta(days=(entry.end_date - entry.start_date).days + 1)
    else:
        local_start = entry.starts_at.astimezone(tz).replace(tzinfo=None)
        duration = entry.ends_at.astimezone(tz).replace(tzinfo=None) - local_start
    return Series(
        local_start=local_start,
        duration=duration,
        timezone=entry.timezone,
        all_day=entry.all_day,
        rrule=entry.rrule,
        exdates=frozenset(entry.exdates or ()),
    )


def hijri_of(start: date | None, end: date | None) -> dict[str, str | None]:
    return {
        "start": to_hijri(start) if start else None,
        "end": to_hijri(end) if end else None,
    }


def local_days(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last local day an interval touches."""
    first = starts_at.astimezone(tz).date()
    last = (ends_at.astimezone(tz) - timedelta(microseconds=1)).date()
    return first, max(first, last)


def instances_of(entry: Entry) -> list[Instance]:
    try:
        return recurrence.instances(series_of(entry))
    except RuleError as exc:
        raise invalid("rrule", exc.message_ar, exc.message_en) from exc


@dataclass(frozen=True)
class ChannelBook:
    """The active channels of an organization and its ancestors: by id, and by kind the
    nearest one's."""

    by_id: dict[str, Any]
    by_kind: dict[str, Any]

    def resolve(self, values: Sequence[str], field: str = "channels") -> list[str]:
        """Channel kinds or ids → channel ids; 422 naming `field.i` for anything else."""
        resolved: list[str] = []
        for i, value in enumerate(values):
            found = self.by_id.get(value.lower()) or self.by_kind.get(value)
            if found is None:
                raise invalid(
                    f"{field}.{i}",
                    f"القناة «{value}» غير مسجلة لهذه الجهة أو الجهات فوقها",
                    f"The channel '{value}' is not registered for the organization or above it",
                )
            if str(found.id) not in resolved:
                resolved.append(str(found.id))
        return resolved

    @classmethod
    def of(cls, chain: Sequence[uuid.UUID], rows: Sequence[Any]) -> ChannelBook:
        """The book of an organization's chain (its id and its ancestors', nearest first)
        and the active channels of those organizations."""
        order = {org_id: i for i, org_id in enumerate(chain)}
        by_kind: dict[str, Any] = {}
        for r in sorted(rows, key=lambda r: order[r.organization_id]):
            by_kind.setdefault(r.kind, r)
        return cls({str(r.id): r for r in rows}, by_kind)


async def channel_book(session: AsyncSession, org_id: uuid.UUID) -> ChannelBook:
    """The channels an entry of the organization may name (two queries)."""
    chain = [row["id"] for row in await directory_repo.chain(session, org_id)]
    return ChannelBook.of(chain, await directory_repo.channels_of(session, chain))


async def resolve_channels(
    session: AsyncSession, org_id: uuid.UUID, values: Sequence[str], field: str = "channels"
) -> list[str]:
    """Channel kinds or ids → the ids of the directory's channels, of the organization or
    the nearest ancestor that has one of that kind. 422 for anything else."""
    if not values:
        return []
    return (await channel_book(session, org_id)).resolve(values, field)


def normalized_exdates(values: Sequence[str], all_day: bool) -> list[str]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(recurrence.parse_recurrence_id(value, all_day))
        except RuleError as exc:
            raise invalid(f"exdates.{i}", exc.message_ar, exc.message_en) from exc
    return sorted(set(out))


async def materialize(session: AsyncSession, entry: Entry) -> list[dict[str, Any]]:
    """Rewrites the entry's occurrences; returns their rows."""
    rows = await occurrence_rows(session, entry)
    await occurrence_repo.replace(session, entry.id, rows)
    return rows


async def occurrence_rows(
    session: AsyncSession, entry: Entry, *, stored: bool = True
) -> list[dict[str, Any]]:
    """The entry's occurrences (its overrides applied unless it is not `stored` yet, and
    then has none) and its `series_span`."""
    instances = instances_of(entry)
    channels = await resolve_channels(session, entry.organization_id, entry.channels)
    overrides = (
        {o.recurrence_id: o for o in await repo.overrides_of(session, entry.id)} if stored else {}
    )
    return expand(entry, instances, channels, overrides)


def expand(
    entry: Entry, instances: list[Instance], channels: list[str], overrides: dict[str, Override]
) -> list[dict[str, Any]]:
    """The occurrence rows of the entry's instances, its overrides (by recurrence id)
    applied and its channels resolved; sets the entry's `series_span`."""
    tz = ZoneInfo(entry.timezone)
    rows = []
    for instance in instances:
        rows.append(occurrence_row(entry, instance, overrides.get(instance.recurrence_id), tz))
        rows[-1]["channels"] = channels
    live = [r for r in rows if not r["cancelled"]] or rows
    entry.series_span = Range(
        min(r["starts_at"] for r in live), max(r["ends_at"] for r in live), bounds="[)"
    )
    return rows


def occurrence_row(
    entry: Entry, instance: Instance, override: Override | None, tz: ZoneInfo
) -> dict[str, Any]:
    starts_at, ends_at = instance.starts_at, instance.ends_at
    start_date, end_date = instance.start_date, instance.end_date
    cancelled = overridden = False
    if override is not None:
        cancelled = override.cancelled
        if entry.all_day and override.start_date is not None and override.end_date is not None:
            start_date, end_date = override.start_date, override.end_date
            starts_at = datetime.combine(start_date, time(), tz)
            ends_at = datetime.combine(end_date + timedelta(days=1), time(), tz)
            overridden = True
        elif not entry.all_day and override.starts_at is not None and override.ends_at:
            starts_at, ends_at = override.starts_at, override.ends_at
            overridden = True
    first, last = local_days(starts_at, ends_at, tz)
    return {
        "entry_id": entry.id,
        "recurrence_id": instance.recurrence_id,
        "organization_id": entry.organization_id,
        "kind": entry.kind,
        "status": entry.status,
        "visibility": entry.visibility,
        "channels": [],
        "audiences": list(entry.audiences),
        "spokesperson_id": entry.spokesperson_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "start_date": start_date,
        "end_date": end_date,
        "span": Range(starts_at, ends_at, bounds="[)"),
        "days": Range(first, last + timedelta(days=1), bounds="[)"),
        "overridden": overridden,
        "cancelled": cancelled,
    }


async def sync_occurrences(session: AsyncSession, entry: Entry) -> None:
    await occurrence_repo.sync(
        session,
        entry.id,
        status=entry.status,
        visibility=entry.visibility,
        kind=entry.kind,
        organization_id=entry.organization_id,
        audiences=list(entry.audiences),
        spokesperson_id=entry.spokesperson_id,
    )
