"""Entries: create, change, cancel; approval on change (occurrences: service/materialize.py).

An entry's occurrences are rewritten whenever its series changes (`materialize`), with its
overrides (moved or cancelled occurrences) applied; fields that only filter (status,
visibility, kind …) are copied onto them (`sync`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain.states import APPROVAL_FIELDS, Action, Status, next_status
from services.calendar.errors import invalid, unknown_reference
from services.calendar.models import Entry
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import entries as repo
from services.calendar.repository.base import flush
from services.calendar.schemas.entries import EntryCreate, EntryUpdate
from services.calendar.service.common import (
    event,
    record,
    timezone_for,
    visible_organization,
)
from services.calendar.service.materialize import (
    materialize,
    normalized_exdates,
    sync_occurrences,
)
from services.common.arabic import normalize
from services.common.attachments.references import Owner, attach
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound

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
    entry = await new_entry(session, principal, data, status=status)
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
    await attach(session, data.attachment_ids, principal, entry_owner(entry))
    await record(
        session, principal, "create", "entry", entry.id, entry.organization_id, snapshot(entry)
    )
    await session.refresh(entry)
    return entry


async def new_entry(
    session: AsyncSession, principal: Principal, data: EntryCreate, *, status: str = "draft"
) -> Entry:
    """The entry of a create body, checked (organization, spokesperson, time zone) but not
    added to the session."""
    org_id = data.organization_id or principal.organization_id
    if org_id is None:
        raise invalid("organization_id", "حدّد الجهة", "organization_id is required")
    await visible_organization(session, principal, org_id, "organization_id")
    await check_spokesperson(session, data.spokesperson_id)
    tz_name = data.timezone or await timezone_for(session, org_id)
    return build_entry(principal, data, org_id, tz_name, status=status)


def build_entry(
    principal: Principal,
    data: EntryCreate,
    org_id: uuid.UUID,
    tz_name: str,
    *,
    status: str = "draft",
    make: Callable[..., Entry] = Entry,
) -> Entry:
    """The entry of a create body whose organization, spokesperson and time zone are
    settled (`new_entry`, or a bulk import that looked them up once per batch, and `make`s
    its entries without the ORM's instrumentation)."""
    tz = ZoneInfo(tz_name)
    values = data.model_dump(exclude={"organization_id", "timezone", "attachment_ids"})
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
    entry = make(
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
    return entry


def entry_owner(entry: Entry) -> Owner:
    """An entry's documents are read by whoever may read its organization's calendar."""
    return Owner("calendar", "entry", entry.id, entry.organization_id)


async def update(
    session: AsyncSession, principal: Principal, entry: Entry, data: EntryUpdate
) -> tuple[Entry, bool]:
    """Applies the fields sent; returns the entry and whether it needs approval again."""
    sent = {name: getattr(data, name) for name in data.model_fields_set}
    added = sent.pop("attachment_ids", None) or []
    if added:
        await attach(session, added, principal, entry_owner(entry))
    sent = checked_fields(entry, sent)
    if "spokesperson_id" in sent:
        await check_spokesperson(session, sent["spokesperson_id"])
    changes = apply_update(entry, sent)
    if added:
        changes["attachment_ids"] = [None, [str(i) for i in added]]
    if not changes:
        return entry, False
    reapprove = needs_reapproval(entry, changes)
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


def checked_fields(entry: Entry, sent: dict[str, Any]) -> dict[str, Any]:
    """The fields an update sends, checked (no null where a value is needed, the entry's
    status allows an edit), emptied lists for nulls."""
    sent = dict(sent)
    for name in ("kind", "title_ar", "all_day", "visibility", "timezone"):
        if name in sent and sent[name] is None:
            raise invalid(name, "لا يقبل هذا الحقل القيمة null", "This field cannot be null")
    for name in ("channels", "audiences", "exdates", "blocks"):
        if name in sent and sent[name] is None:
            sent[name] = []
    next_status(Action.EDIT, entry.status)
    return sent


def apply_update(entry: Entry, sent: dict[str, Any]) -> dict[str, Any]:
    """The update's rules on the entry in memory, for fields `checked_fields` passed (its
    times, dates, exceptions and blackout fields derived as on create); returns what
    changed (the audit diff). The caller has checked a sent spokesperson, and writes."""
    sent = dict(sent)
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
    return diff(before, snapshot(entry))


def needs_reapproval(entry: Entry, changes: dict[str, Any]) -> bool:
    """A change the approvers look at sends a pending or approved entry back to `pending`."""
    return bool(APPROVAL_FIELDS & set(changes)) and entry.status in {
        Status.PENDING,
        Status.APPROVED,
    }


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
