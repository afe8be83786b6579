"""One occurrence of a series moved or cancelled, and a series split from an occurrence
(RFC 5545 RECURRENCE-ID semantics: `PATCH …/occurrences/{recurrence_id}?scope=this|following`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.recurrence import Instance, RuleError, Series
from services.calendar.domain.states import Action, Status, next_status
from services.calendar.errors import invalid
from services.calendar.models import Entry, Override
from services.calendar.repository import entries as repo
from services.calendar.repository.base import flush
from services.calendar.schemas.entries import EntryCreate
from services.calendar.service.common import (
    event,
    now,
    record,
)
from services.calendar.service.entries import create, entry_payload
from services.calendar.service.materialize import (
    instances_of,
    materialize,
    series_of,
    sync_occurrences,
)
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound


async def change_occurrence(
    session: AsyncSession,
    principal: Principal,
    entry: Entry,
    recurrence_id: str,
    scope: str,
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
    start_date: date | None,
    end_date: date | None,
    cancelled: bool,
) -> Entry:
    """Move or cancel one occurrence (`this`), or end the series before it and start a new
    series there (`following`). Returns the entry that carries the change (the new series
    for `following`)."""
    next_status(Action.EDIT, entry.status)
    try:
        rid = recurrence.parse_recurrence_id(recurrence_id, entry.all_day)
    except RuleError as exc:
        raise invalid("recurrence_id", exc.message_ar, exc.message_en) from exc
    instances = {i.recurrence_id: i for i in instances_of(entry)}
    instance = instances.get(rid)
    if instance is None:
        raise NotFound("الموعد المتكرر", "occurrence")
    if scope == "this":
        override = await repo.get_override(session, entry.id, rid)
        if override is None:
            override = Override(entry_id=entry.id, recurrence_id=rid)
            session.add(override)
        fill_override(override, entry, instance, starts_at, ends_at, start_date, end_date)
        override.cancelled = cancelled
        await flush(session)
        entry.updated_by = principal.subject
        await materialize(session, entry)
        await _reapprove_after_move(session, principal, entry, f"occurrence {rid}")
        await record(
            session,
            principal,
            "cancel_occurrence" if cancelled else "move_occurrence",
            "entry",
            entry.id,
            entry.organization_id,
            {
                "recurrence_id": rid,
                "starts_at": override.starts_at,
                "start_date": override.start_date,
            },
        )
        await flush(session)
        await session.refresh(entry)
        return entry
    return await split(
        session, principal, entry, instance, starts_at, ends_at, start_date, end_date, cancelled
    )


def fill_override(
    override: Override,
    entry: Entry,
    instance: Instance,
    starts_at: datetime | None,
    ends_at: datetime | None,
    start_date: date | None,
    end_date: date | None,
) -> None:
    """The override's new times: what is given, the rest from the occurrence (its start,
    its length); 422 when it ends before it starts."""
    if entry.all_day:
        assert instance.start_date is not None and instance.end_date is not None
        first_day = start_date or instance.start_date
        last_day = end_date or first_day + (instance.end_date - instance.start_date)
        override.start_date, override.end_date = first_day, last_day
        if last_day < first_day:
            raise invalid("end_date", "ينتهي الموعد قبل أن يبدأ", "end_date is before start_date")
    else:
        override.starts_at = starts_at or instance.starts_at
        override.ends_at = ends_at or (override.starts_at + (instance.ends_at - instance.starts_at))
        if override.ends_at <= override.starts_at:
            raise invalid("ends_at", "ينتهي الموعد قبل أن يبدأ", "ends_at must be after starts_at")


async def _reapprove_after_move(
    session: AsyncSession, principal: Principal, entry: Entry, what: str
) -> None:
    entry.updated_at = now()  # the row changes even when only an override did (ETag, feeds)
    if entry.status in {Status.PENDING, Status.APPROVED}:
        previous = entry.status
        entry.status = Status.PENDING
        entry.version += 1
        await repo.add_history(
            session,
            entry_id=entry.id,
            version=entry.version,
            action="change",
            from_status=previous,
            to_status=entry.status,
            actor_id=principal.subject,
            actor_type=principal.kind,
            comment=what,
        )
    await sync_occurrences(session, entry)
    await event(
        session,
        "calendar.entry.changed",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        {**entry_payload(entry), "changed": [what]},
    )


async def split(
    session: AsyncSession,
    principal: Principal,
    entry: Entry,
    instance: Instance,
    starts_at: datetime | None,
    ends_at: datetime | None,
    start_date: date | None,
    end_date: date | None,
    cancelled: bool,
) -> Entry:
    """RFC 5545 "this and following": the series ends before `instance`; unless cancelled,
    a new series (draft, `split_from_id`) starts there with the new times."""
    if not entry.rrule:
        raise InvalidState("split", "single")
    tz = ZoneInfo(entry.timezone)
    earlier = [i for i in instances_of(entry) if i.local_start < instance.local_start]
    all_instances = recurrence.instances(
        Series(**{**series_of(entry).__dict__, "exdates": frozenset()})
    )
    remaining = [i for i in all_instances if i.local_start >= instance.local_start]
    original_rule = entry.rrule
    if not earlier:
        # splitting at the first occurrence changes the whole series
        raise InvalidState("split", "first occurrence")
    entry.rrule = recurrence.with_until(
        original_rule, instance.local_start - timedelta(seconds=1), tz, entry.all_day
    )
    entry.updated_by = principal.subject
    await materialize(session, entry)
    await _reapprove_after_move(
        session, principal, entry, f"series ends before {instance.recurrence_id}"
    )
    if cancelled:
        await flush(session)
        await session.refresh(entry)
        return entry
    parts = recurrence.parts_of(original_rule)
    rule = (
        recurrence.with_count(original_rule, len(remaining)) if "COUNT" in parts else original_rule
    )
    if entry.all_day:
        first = start_date or instance.start_date
        assert first is not None and instance.start_date and instance.end_date
        last = end_date or first + (instance.end_date - instance.start_date)
        times: dict[str, Any] = {"all_day": True, "start_date": first, "end_date": last}
    else:
        first_at = starts_at or instance.starts_at
        last_at = ends_at or first_at + (instance.ends_at - instance.starts_at)
        times = {"all_day": False, "starts_at": first_at, "ends_at": last_at}
    data = EntryCreate(
        organization_id=entry.organization_id,
        kind=entry.kind,
        title_ar=entry.title_ar,
        title_en=entry.title_en,
        description_ar=entry.description_ar,
        description_en=entry.description_en,
        timezone=entry.timezone,
        rrule=rule,
        exdates=[x for x in entry.exdates if x > instance.recurrence_id],
        channels=list(entry.channels),
        audiences=list(entry.audiences),
        visibility=entry.visibility,
        spokesperson_id=entry.spokesperson_id,
        location=entry.location,
        campaign_id=entry.campaign_id,
        blocks=list(entry.blocks),
        enforcement=entry.enforcement,
        **times,
    )
    new = await create(session, principal, data)
    new.split_from_id = entry.id
    await flush(session)
    await session.refresh(new)
    return new
