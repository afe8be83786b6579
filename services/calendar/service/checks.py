"""The dry-run conflict check: a draft entry in, its conflicts out, nothing stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.schemas.entries import EntryCreate
from services.calendar.service import conflicts, materialize
from services.calendar.service import entries as entry_service
from services.calendar.service.common import visible_organization
from services.common.auth import Principal


class _Discard(Exception):
    """Rolls the savepoint back once the conflicts are read."""


async def check(
    session: AsyncSession, principal: Principal, data: EntryCreate
) -> list[dict[str, Any]]:
    """The draft's occurrences computed as for a create and asked against the stored
    ones in one statement (`conflicts.of_draft`); nothing is written. A draft with
    attachments or an external id is written inside a savepoint instead (and rolled
    back), so it is refused exactly as its create would be (someone else's upload, a
    duplicate external id)."""
    if not data.attachment_ids and data.external_id is None:
        entry = await entry_service.new_entry(session, principal, data)
        rows = await materialize.occurrence_rows(session, entry, stored=False)
        return await conflicts.of_draft(session, entry, rows)
    found: list[dict[str, Any]] = []
    try:
        async with session.begin_nested():
            entry = await entry_service.create(session, principal, data)
            found = await conflicts.of_entry(session, entry)
            raise _Discard
    except _Discard:
        pass
    return found


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
