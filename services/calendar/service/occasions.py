"""Occasions: the built-in, editable set per region; moon-sighting confirmations; the
day-off dates that reach the directory's holidays through `calendar.occasion.days_changed`
(a handler of the directory writes them), and the `occasion` conflict reason."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import occasions as domain
from services.calendar.domain.hijri import to_hijri
from services.calendar.errors import invalid
from services.calendar.models import Confirmation, Occasion
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import entries as entry_repo
from services.calendar.repository import occasions as repo
from services.calendar.repository.base import flush
from services.calendar.schemas.occasions import ConfirmationCreate, OccasionCreate, OccasionUpdate
from services.calendar.service import conflicts
from services.calendar.service.common import event, now, record
from services.common.auth import Principal
from services.common.errors import Conflict, NotFound
from services.common.orgtree import DEFAULT_TIMEZONE
from services.common.regions import region_of

EVENT = "calendar.occasion.days_changed"
# a sighting moves a computed date by a day or two, never more
MAX_SHIFT_DAYS = 3


async def _confirmed(
    session: AsyncSession, occasion_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[int, date]]:
    found: dict[uuid.UUID, dict[int, date]] = {}
    for c in await repo.confirmations(session, occasion_ids):
        found.setdefault(c.occasion_id, {})[c.hijri_year] = c.start_date
    return found


def _dates(occasion: Occasion, year: int, confirmed: dict[int, date]) -> list[domain.Dated]:
    return domain.dates_in(
        occasion.calendar, occasion.month, occasion.day, occasion.duration_days, year, confirmed
    )


def _days(occasion: Occasion, years: Sequence[int], confirmed: dict[int, date]) -> set[date]:
    return {
        d for y in years for dated in _dates(occasion, y, confirmed) for d in domain.days_of(dated)
    }


async def seed(session: AsyncSession) -> int:
    """Adds the built-in occasions that are missing (first start, demo); their day-off
    dates of this year and the next go to the directory. Returns how many were added."""
    rows = [{"id": uuid.uuid4(), **asdict(b)} for b in domain.BUILT_IN]
    added = await repo.insert_missing(session, rows)
    year = now().year
    for occasion in await repo.by_ids(session, added):
        if occasion.day_off:
            await _announce(session, occasion, _days(occasion, [year, year + 1], {}), set())
    await flush(session)
    return len(added)


async def _announce(
    session: AsyncSession, occasion: Occasion, added: set[date], removed: set[date]
) -> None:
    if not added and not removed:
        return
    await event(
        session,
        EVENT,
        "calendar_occasion",
        occasion.id,
        None,
        {
            "occasion_id": occasion.id,
            "code": occasion.code,
            "region": occasion.region,
            "name_ar": occasion.name_ar,
            "name_en": occasion.name_en,
            "added": sorted(added),
            "removed": sorted(removed),
        },
    )


def describe(occasion: Occasion, year: int, confirmed: dict[int, date]) -> dict[str, Any]:
    dates = _dates(occasion, year, confirmed)
    return {
        "id": occasion.id,
        "code": occasion.code,
        "region": occasion.region,
        "name_ar": occasion.name_ar,
        "name_en": occasion.name_en,
        "calendar": occasion.calendar,
        "month": occasion.month,
        "day": occasion.day,
        "duration_days": occasion.duration_days,
        "day_off": occasion.day_off,
        "active": occasion.active,
        "start_date": dates[0].start if dates else None,
        "end_date": dates[0].end if dates else None,
        "dates": [
            {
                "hijri_year": d.hijri_year,
                "start_date": d.start,
                "end_date": d.end,
                "hijri": {"start": to_hijri(d.start), "end": to_hijri(d.end)},
                "confirmed": d.confirmed,
            }
            for d in dates
        ],
        "created_at": occasion.created_at,
        "updated_at": occasion.updated_at,
    }


async def listed(
    session: AsyncSession, principal: Principal, year: int, region: str | None
) -> list[dict[str, Any]]:
    if region is None and principal.organization_id is not None:
        root = await directory_repo.root_of(session, principal.organization_id)
        if root is not None:
            region = region_of(await directory_repo.timezone_of(session, root) or DEFAULT_TIMEZONE)
    found = await repo.listed(session, region, active=None)
    confirmed = await _confirmed(session, [o.id for o in found])
    return [describe(o, year, confirmed.get(o.id, {})) for o in found]


async def get(session: AsyncSession, occasion_id: uuid.UUID, *, lock: bool = False) -> Occasion:
    occasion = await repo.get(session, occasion_id, lock=lock)
    if occasion is None:
        raise NotFound("المناسبة", "occasion")
    return occasion


async def confirm(
    session: AsyncSession, principal: Principal, occasion: Occasion, data: ConfirmationCreate
) -> tuple[Confirmation, date]:
    if occasion.calendar != "hijri":
        raise Conflict(
            "التأكيد بالرؤية للمناسبات الهجرية فقط",
            "Moon-sighting confirmations are for Hijri occasions only",
        )
    computed = domain.computed_start("hijri", occasion.month, occasion.day, data.hijri_year)
    if abs((data.start_date - computed).days) > MAX_SHIFT_DAYS:
        raise invalid(
            "start_date",
            f"التاريخ بعيد عن المحسوب ({computed.isoformat()})",
            f"More than {MAX_SHIFT_DAYS} days from the computed date {computed.isoformat()}",
        )
    found = await repo.confirmation(session, occasion.id, data.hijri_year)
    span = timedelta(days=occasion.duration_days - 1)
    before_start = found.start_date if found else computed
    before = {before_start + timedelta(days=i) for i in range(span.days + 1)}
    after = {data.start_date + timedelta(days=i) for i in range(span.days + 1)}
    if found is None:
        found = Confirmation(id=uuid.uuid4(), occasion_id=occasion.id, hijri_year=data.hijri_year)
        session.add(found)
    found.start_date, found.note, found.confirmed_by = data.start_date, data.note, principal.subject
    await flush(session)
    await session.refresh(found)
    if occasion.day_off:
        await _announce(session, occasion, after - before, before - after)
    await record(
        session,
        principal,
        "confirm",
        "occasion",
        occasion.id,
        None,
        {"hijri_year": data.hijri_year, "start_date": data.start_date, "computed": computed},
    )
    return found, computed


async def create(session: AsyncSession, principal: Principal, data: OccasionCreate) -> Occasion:
    try:
        domain.computed_start(
            data.calendar, data.month, data.day, 1447 if data.calendar == "hijri" else 2024
        )
    except ValueError as exc:
        raise invalid("day", "اليوم غير موجود في هذا الشهر", "No such day in that month") from exc
    occasion = Occasion(id=uuid.uuid4(), **data.model_dump())
    session.add(occasion)
    await flush(session)
    await session.refresh(occasion)
    if occasion.day_off:
        year = now().year
        await _announce(session, occasion, _days(occasion, [year, year + 1], {}), set())
    await record(session, principal, "create", "occasion", occasion.id, None, data.model_dump())
    return occasion


async def update(
    session: AsyncSession, principal: Principal, occasion: Occasion, data: OccasionUpdate
) -> Occasion:
    year = now().year
    confirmed = (await _confirmed(session, [occasion.id])).get(occasion.id, {})
    before = (
        _days(occasion, [year, year + 1], confirmed)
        if occasion.day_off and occasion.active
        else set()
    )
    changes = {}
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is not None and getattr(occasion, name) != value:
            changes[name] = [getattr(occasion, name), value]
            setattr(occasion, name, value)
    await flush(session)
    await session.refresh(occasion)
    after = (
        _days(occasion, [year, year + 1], confirmed)
        if occasion.day_off and occasion.active
        else set()
    )
    await _announce(session, occasion, after - before, before - after)
    if changes:
        await record(session, principal, "update", "occasion", occasion.id, None, changes)
    return occasion


async def day_off_conflicts(
    session: AsyncSession,
    occurrences: Sequence[Any],
    root: uuid.UUID,
    titles: dict[uuid.UUID, str] | None = None,
) -> list[dict[str, Any]]:
    """The `occasion` reason: occurrences on a day-off occasion of the tree's region
    (`titles`: their entries' titles, when the caller has them)."""
    live = [o for o in occurrences if conflicts.holds_a_day(o)]
    if not live:
        return []
    region = region_of(await directory_repo.timezone_of(session, root) or DEFAULT_TIMEZONE)
    found = await repo.listed(session, region, day_off=True)
    if not found:
        return []
    entries = titles if titles is not None else await _titles(session, {o.entry_id for o in live})
    confirmed = await _confirmed(session, [o.id for o in found])
    return conflicts.occasion_conflicts(live, found, confirmed, entries)


async def _titles(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    found = await entry_repo.entries_by_id(session, list(ids))
    return {i: e.title_ar for i, e in found.items()}


conflicts.occasion_checks.append(day_off_conflicts)
