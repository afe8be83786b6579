"""Entries: create, change, cancel; their occurrences materialized; approval on change.

An entry's occurrences are rewritten whenever its series changes (`materialize`), with its
overrides (moved or cancelled occurrences) applied; fields that only filter (status,
visibility, kind …) are copied onto them (`sync`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.hijri import to_hijri
from services.calendar.domain.recurrence import Instance, RuleError, Series
from services.calendar.domain.states import APPROVAL_FIELDS, Action, Status, next_status
from services.calendar.errors import invalid, unknown_reference
from services.calendar.models import Entry, Override
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import entries as repo
from services.calendar.repository import occurrences as occurrence_repo
from services.calendar.repository.base import flush
from services.calendar.schemas.entries import EntryCreate, EntryUpdate
from services.calendar.service.common import (
    event,
    now,
    record,
    timezone_for,
    visible_organization,
)
from services.common.arabic import normalize
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound

SNAPSHOT_FIELDS = (
    "organization_id",
    "kind",
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "all_day",
    "starts_at",
    "ends_at",
    "start_date",
    "end_date",
    "timezone",
    "rrule",
    "exdates",
    "channels",
    "audiences",
    "visibility",
    "spokesperson_id",
    "location",
    "campaign_id",
    "flight_id",
    "external_source",
    "external_id",
    "blocks",
    "enforcement",
    "status",
    "version",
)


def snapshot(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in SNAPSHOT_FIELDS}


def search_text_of(entry: Entry) -> str:
    parts = (entry.title_ar, entry.title_en, entry.description_ar, entry.description_en)
    return normalize(" ".join(p for p in parts if p))


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


async def resolve_channels(
    session: AsyncSession, org_id: uuid.UUID, values: Sequence[str], field: str = "channels"
) -> list[str]:
    """Channel kinds or ids → the ids of the directory's channels, of the organization or
    the nearest ancestor that has one of that kind. 422 for anything else."""
    if not values:
        return []
    chain = await directory_repo.chain(session, org_id)
    order = {row["id"]: i for i, row in enumerate(chain)}
    rows = await directory_repo.channels_of(session, list(order))
    by_id = {str(r.id): r for r in rows}
    by_kind: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: order[r.organization_id]):
        by_kind.setdefault(r.kind, r)
    resolved: list[str] = []
    for i, value in enumerate(values):
        found = by_id.get(value.lower()) or by_kind.get(value)
        if found is None:
            raise invalid(
                f"{field}.{i}",
                f"القناة «{value}» غير مسجلة لهذه الجهة أو الجهات فوقها",
                f"The channel '{value}' is not registered for the organization or above it",
            )
        if str(found.id) not in resolved:
            resolved.append(str(found.id))
    return resolved


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
    instances = instances_of(entry)
    channels = await resolve_channels(session, entry.organization_id, entry.channels)
    overrides = {o.recurrence_id: o for o in await repo.overrides_of(session, entry.id)}
    tz = ZoneInfo(entry.timezone)
    rows = []
    for instance in instances:
        rows.append(occurrence_row(entry, instance, overrides.get(instance.recurrence_id), tz))
        rows[-1]["channels"] = channels
    live = [r for r in rows if not r["cancelled"]] or rows
    entry.series_span = Range(
        min(r["starts_at"] for r in live), max(r["ends_at"] for r in live), bounds="[)"
    )
    await occurrence_repo.replace(session, entry.id, rows)
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


async def get_readable(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID, *, for_update: bool = False
) -> Entry:
    """An entry the principal reads (its subtree's, or its ministry tree's shared ones)."""
    root = (
        await directory_repo.root_of(session, principal.organization_id)
        if principal.organization_id
        else None
    )
    entry = await repo.get_readable(session, principal, entry_id, root, for_update=for_update)
    if entry is None:
        raise NotFound("الموعد", "entry")
    return entry


async def get_writable(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> Entry:
    """An entry of the principal's subtree (locked); shared entries of other trees are
    read-only to it (404 here, as ids don't leak)."""
    entry = await repo.get_readable(session, principal, entry_id, None, for_update=True)
    if entry is None:
        raise NotFound("الموعد", "entry")
    return entry


async def check_spokesperson(session: AsyncSession, user_id: uuid.UUID | None) -> None:
    if user_id is not None and not await directory_repo.user_exists(session, user_id):
        raise unknown_reference("spokesperson_id", "المتحدث", "staff member")


async def create(
    session: AsyncSession, principal: Principal, data: EntryCreate, *, status: str = "draft"
) -> Entry:
    org_id = data.organization_id or principal.organization_id
    if org_id is None:
        raise invalid("organization_id", "حدّد الجهة", "organization_id is required")
    await visible_organization(session, principal, org_id, "organization_id")
    await check_spokesperson(session, data.spokesperson_id)
    tz_name = data.timezone or await timezone_for(session, org_id)
    tz = ZoneInfo(tz_name)
    values = data.model_dump(exclude={"organization_id", "timezone"})
    if data.all_day:
        assert data.start_date is not None and data.end_date is not None
        values["starts_at"] = datetime.combine(data.start_date, time(), tz)
        values["ends_at"] = datetime.combine(data.end_date + timedelta(days=1), time(), tz)
    else:
        values["start_date"] = values["end_date"] = None
    values["exdates"] = normalized_exdates(data.exdates, data.all_day)
    if data.kind == "blackout":
        values["enforcement"] = data.enforcement or "warn"
    else:
        values["blocks"], values["enforcement"] = [], None
    entry = Entry(
        id=uuid.uuid4(),
        organization_id=org_id,
        timezone=tz_name,
        status=status,
        version=1,
        created_by=principal.subject,
        updated_by=principal.subject,
        **values,
    )
    entry.search_text = search_text_of(entry)
    entry.series_span = Range(entry.starts_at, entry.ends_at, bounds="[)")
    session.add(entry)
    await flush(session)
    await materialize(session, entry)
    await flush(session)
    await repo.add_history(
        session,
        entry_id=entry.id,
        version=1,
        action="create",
        from_status=None,
        to_status=entry.status,
        actor_id=principal.subject,
        actor_type=principal.kind,
    )
    await record(session, principal, "create", "entry", entry.id, org_id, snapshot(entry))
    await session.refresh(entry)
    return entry


async def update(
    session: AsyncSession, principal: Principal, entry: Entry, data: EntryUpdate
) -> tuple[Entry, bool]:
    """Applies the fields sent; returns the entry and whether it needs approval again."""
    fields = set(data.model_fields_set)
    sent = {name: getattr(data, name) for name in fields}
    for name in ("kind", "title_ar", "all_day", "visibility", "timezone"):
        if name in sent and sent[name] is None:
            raise invalid(name, "لا يقبل هذا الحقل القيمة null", "This field cannot be null")
    for name in ("channels", "audiences", "exdates", "blocks"):
        if name in sent and sent[name] is None:
            sent[name] = []
    next_status(Action.EDIT, entry.status)
    if "spokesperson_id" in sent:
        await check_spokesperson(session, sent["spokesperson_id"])
    before = snapshot(entry)
    all_day = sent.get("all_day", entry.all_day)
    tz = ZoneInfo(sent.get("timezone") or entry.timezone)
    if all_day:
        start_date = sent.get("start_date") or entry.start_date
        end_date = sent.get("end_date") or entry.end_date
        if start_date is None or end_date is None:
            raise invalid(
                "start_date",
                "موعد اليوم الكامل يحتاج start_date وend_date",
                "An all-day entry needs start_date and end_date",
            )
        if end_date < start_date:
            raise invalid("end_date", "ينتهي الموعد قبل أن يبدأ", "end_date is before start_date")
        sent["start_date"], sent["end_date"] = start_date, end_date
        sent["starts_at"] = datetime.combine(start_date, time(), tz)
        sent["ends_at"] = datetime.combine(end_date + timedelta(days=1), time(), tz)
    else:
        starts = sent.get("starts_at") or entry.starts_at
        ends = sent.get("ends_at") or entry.ends_at
        if ends <= starts:
            raise invalid("ends_at", "ينتهي الموعد قبل أن يبدأ", "ends_at must be after starts_at")
        sent["starts_at"], sent["ends_at"] = starts, ends
        sent["start_date"] = sent["end_date"] = None
    if "exdates" in sent:
        sent["exdates"] = normalized_exdates(sent["exdates"], all_day)
    kind = sent.get("kind", entry.kind)
    if kind == "blackout":
        sent["enforcement"] = sent.get("enforcement") or entry.enforcement or "warn"
    else:
        sent["blocks"], sent["enforcement"] = [], None
    for name, value in sent.items():
        setattr(entry, name, value)
    entry.search_text = search_text_of(entry)
    changes = diff(before, snapshot(entry))
    if not changes:
        return entry, False
    reapprove = bool(APPROVAL_FIELDS & set(changes)) and entry.status in {
        Status.PENDING,
        Status.APPROVED,
    }
    entry.updated_by = principal.subject
    await materialize(session, entry)
    await flush(session)
    if reapprove:
        previous = entry.status
        entry.status = next_status(Action.CHANGE, entry.status)
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
            comment="; ".join(sorted(APPROVAL_FIELDS & set(changes))),
        )
    await sync_occurrences(session, entry)
    await record(session, principal, "update", "entry", entry.id, entry.organization_id, changes)
    await event(
        session,
        "calendar.entry.changed",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        {**entry_payload(entry), "changed": sorted(changes), "reapproval": reapprove},
    )
    await flush(session)
    await session.refresh(entry)
    return entry, reapprove


def entry_payload(entry: Entry) -> dict[str, Any]:
    """What calendar events carry about an entry."""
    return {
        "entry_id": entry.id,
        "organization_id": entry.organization_id,
        "kind": entry.kind,
        "title_ar": entry.title_ar,
        "title_en": entry.title_en,
        "status": entry.status,
        "version": entry.version,
        "all_day": entry.all_day,
        "starts_at": entry.starts_at,
        "ends_at": entry.ends_at,
        "start_date": entry.start_date,
        "end_date": entry.end_date,
        "timezone": entry.timezone,
        "rrule": entry.rrule,
        "campaign_id": entry.campaign_id,
        "flight_id": entry.flight_id,
        "external_source": entry.external_source,
        "external_id": entry.external_id,
    }


async def transition(
    session: AsyncSession,
    principal: Principal,
    entry: Entry,
    action: Action,
    *,
    comment: str | None = None,
    suspension_id: uuid.UUID | None = None,
    to: Status | None = None,
) -> str:
    """Moves the entry along the state table; history, audit and occurrences follow.
    Returns the previous status."""
    previous = entry.status
    entry.status = to or next_status(action, entry.status)
    if action in {Action.SUSPEND, Action.LIFT}:
        entry.suspension_id = suspension_id if action == Action.SUSPEND else None
    await repo.add_history(
        session,
        entry_id=entry.id,
        version=entry.version,
        action=action.value,
        from_status=previous,
        to_status=entry.status,
        actor_id=principal.subject,
        actor_type=principal.kind,
        comment=comment,
        suspension_id=suspension_id,
    )
    await sync_occurrences(session, entry)
    await record(
        session,
        principal,
        action.value,
        "entry",
        entry.id,
        entry.organization_id,
        {"status": [previous, entry.status], **({"comment": comment} if comment else {})},
    )
    return previous


async def cancel(session: AsyncSession, principal: Principal, entry: Entry) -> Entry:
    await transition(session, principal, entry, Action.CANCEL)
    entry.updated_by = principal.subject
    await event(
        session,
        "calendar.entry.cancelled",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        entry_payload(entry),
    )
    await flush(session)
    await session.refresh(entry)
    return entry


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
        override.cancelled = cancelled
        if entry.all_day:
            assert instance.start_date is not None and instance.end_date is not None
            first_day = start_date or instance.start_date
            last_day = end_date or first_day + (instance.end_date - instance.start_date)
            override.start_date, override.end_date = first_day, last_day
            if last_day < first_day:
                raise invalid(
                    "end_date", "ينتهي الموعد قبل أن يبدأ", "end_date is before start_date"
                )
        else:
            override.starts_at = starts_at or instance.starts_at
            override.ends_at = ends_at or (
                override.starts_at + (instance.ends_at - instance.starts_at)
            )
            if override.ends_at <= override.starts_at:
                raise invalid(
                    "ends_at", "ينتهي الموعد قبل أن يبدأ", "ends_at must be after starts_at"
                )
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


def occurrence_out(row: Any) -> dict[str, Any]:
    """An occurrence row of the range query as the API shows it."""
    tz = ZoneInfo(row.timezone)
    if row.all_day:
        first, last = row.start_date, row.end_date
    else:
        first, last = local_days(row.starts_at, row.ends_at, tz)
    return {
        "entry_id": row.entry_id,
        "recurrence_id": row.recurrence_id,
        "organization_id": row.organization_id,
        "kind": row.kind,
        "title_ar": row.title_ar,
        "title_en": row.title_en,
        "status": row.status,
        "all_day": row.all_day,
        "starts_at": row.starts_at.astimezone(tz),
        "ends_at": row.ends_at.astimezone(tz),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "timezone": row.timezone,
        "hijri": hijri_of(first, last),
        "channels": list(row.channels),
        "audiences": list(row.audiences),
        "visibility": row.visibility,
        "spokesperson_id": row.spokesperson_id,
        "campaign_id": row.campaign_id,
        "location": row.location,
        "overridden": row.overridden,
    }
