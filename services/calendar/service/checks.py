"""The dry-run conflict check: a draft entry in, its conflicts out, nothing stored."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.errors import invalid, unknown_reference
from services.calendar.models import Entry
from services.calendar.repository import checks as repo
from services.calendar.schemas.entries import EntryCreate
from services.calendar.service import conflicts, materialize
from services.calendar.service import entries as entry_service
from services.calendar.service.common import visible_organization
from services.common.auth import Principal
from services.common.orgtree import DEFAULT_TIMEZONE
from services.common.regions import region_of
from services.common.responses import json_id


class _Discard(Exception):
    """Rolls the savepoint back once the conflicts are read."""


def written(data: EntryCreate) -> bool:
    """Whether a draft is checked by writing it (`check_written`): one with attachments
    or an external id, so it is refused exactly as its create would be (someone else's
    upload, a duplicate external id). Any other is checked without the session
    (`of_draft`): two statements on the read pool, nothing written, no transaction."""
    return bool(data.attachment_ids) or data.external_id is not None


async def check_written(
    session: AsyncSession, principal: Principal, data: EntryCreate
) -> list[dict[str, Any]]:
    """The draft created inside a savepoint, its conflicts read, the savepoint rolled
    back."""
    found: list[dict[str, Any]] = []
    try:
        async with session.begin_nested():
            entry = await entry_service.create(session, principal, data)
            found = await conflicts.of_entry(session, entry)
            raise _Discard
    except _Discard:
        pass
    return found


async def of_draft(
    pool: asyncpg.Pool, principal: Principal, data: EntryCreate
) -> list[dict[str, Any]]:
    """`conflicts.of_entry` for a create body that is not stored: what its organization
    brings in one statement (`repo.context`), the entry and its occurrences built and
    checked as a create builds and checks them (same errors, same order), then the
    stored occurrences they collide with in a second (`repo.draft_pairs`); the reasons
    and rows of a stored entry's conflicts."""
    org_id = data.organization_id or principal.organization_id
    if org_id is None:
        raise invalid("organization_id", "حدّد الجهة", "organization_id is required")
    context = await repo.context(
        pool,
        org_id,
        sector_admin=principal.is_sector_admin,
        reader=principal.organization_id,
        spokesperson_id=data.spokesperson_id,
    )
    if not context.visible:
        raise unknown_reference("organization_id", "الجهة", "organization")
    if data.spokesperson_id is not None and not context.spokesperson:
        raise unknown_reference("spokesperson_id", "المتحدث", "staff member")
    tz_name = data.timezone or context.timezone or DEFAULT_TIMEZONE
    # a plain object of the entry's values: nothing is stored, no ORM instrumentation
    entry = entry_service.build_entry(principal, data, org_id, tz_name, make=_plain)
    instances = materialize.instances_of(entry)
    channels = _book(context.channels).resolve(entry.channels) if entry.channels else []
    rows = materialize.expand(entry, instances, channels, {})
    found = await _pairs(pool, entry, rows, context.root)
    occurrences = [SimpleNamespace(**r) for r in rows]
    live = [o for o in occurrences if conflicts.holds_a_day(o)]
    if live:
        region = region_of(context.root_timezone or DEFAULT_TIMEZONE)
        occasions = [o for o in context.occasions if o.region is None or o.region == region]
        confirmed = {o.id: o.confirmed for o in occasions}
        for o in live:  # as the database answers a stored occurrence's times: in UTC
            o.starts_at, o.ends_at = o.starts_at.astimezone(UTC), o.ends_at.astimezone(UTC)
        found += conflicts.occasion_conflicts(
            live, occasions, confirmed, {entry.id: entry.title_ar}
        )
    return found


def _plain(**values: Any) -> Entry:
    return cast(Entry, SimpleNamespace(**values))


def _book(channels: Sequence[tuple[str, str]]) -> materialize.ChannelBook:
    """The channels a draft may name, nearest organization first: by id, and by kind
    the nearest one's."""
    by_kind: dict[str, Any] = {}
    by_id: dict[str, Any] = {}
    for id_, kind in channels:
        row = SimpleNamespace(id=id_, kind=kind)
        by_id[str(id_)] = row
        by_kind.setdefault(kind, row)
    return materialize.ChannelBook(by_id, by_kind)


async def _pairs(
    pool: asyncpg.Pool, entry: Entry, rows: Sequence[dict[str, Any]], root: uuid.UUID
) -> list[dict[str, Any]]:
    """The draft's `channel`, `audience`, `spokesperson` and `blackout` conflicts: its
    occurrences `rows` asked in one statement against the stored ones."""
    live = [r for r in rows if not r["cancelled"]]
    if not live:
        return []
    # as the database answers a stored occurrence's times: in UTC
    times: dict[str, tuple[datetime, datetime]] = {
        r["recurrence_id"]: (r["starts_at"].astimezone(UTC), r["ends_at"].astimezone(UTC))
        for r in live
    }
    channels = list(rows[0]["channels"])
    draft = repo.Draft(
        organization_id=entry.organization_id,
        kind=entry.kind,
        channels=channels,
        audiences=list(entry.audiences),
        spokesperson_id=entry.spokesperson_id,
        recurrence_ids=[r["recurrence_id"] for r in live],
        starts=[times[r["recurrence_id"]][0] for r in live],
        ends=[times[r["recurrence_id"]][1] for r in live],
        first_days=[r["days"].lower for r in live],
        end_days=[r["days"].upper for r in live],
    )
    entry_id, org_id, kind, title = (
        json_id(entry.id),
        json_id(entry.organization_id),
        entry.kind,
        entry.title_ar,
    )
    audiences, spokesperson = list(entry.audiences), entry.spokesperson_id
    out = []
    for p in await repo.draft_pairs(pool, draft, root):
        starts_at, ends_at = times[p["a_recurrence_id"]]
        out.append(
            {
                "reason": p["reason"],
                "occurrence": {
                    "entry_id": entry_id,
                    "recurrence_id": p["a_recurrence_id"],
                    "organization_id": org_id,
                    "kind": kind,
                    "title_ar": title,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                },
                "other": {
                    "entry_id": json_id(p["b_entry_id"]),
                    "recurrence_id": p["b_recurrence_id"],
                    "organization_id": json_id(p["organization_id"]),
                    "kind": p["kind"],
                    "title_ar": p["title_ar"],
                    "starts_at": p["starts_at"],
                    "ends_at": p["ends_at"],
                },
                "value": conflicts.value_of(
                    p["reason"], channels, p["channels"], audiences, p["audiences"], spokesperson
                ),
                "refused": bool(p["refused"]),
            }
        )
    out.sort(key=lambda c: (c["occurrence"]["starts_at"], c["reason"]))
    return out


async def in_window(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    org = organization_id or principal.organization_id
    if org is None:
        return []
    await visible_organization(session, principal, org, "organization_id")
    return await conflicts.in_window(session, org, start, end)
