"""Shared SQL helpers of the calendar: who reads what, flushing with duplicate detection."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, false, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.calendar.errors import duplicate
from services.common.auth import Principal
from services.common.orgtree import in_subtree, visible_to

SHARED = ("sector", "public")

UNIQUE_FIELDS: dict[str, tuple[str, str, str]] = {
    "uq_calendar_entry_external": ("external_id", "المعرّف الخارجي", "external id"),
    "uq_calendar_occasion_code": ("code", "الرمز", "code"),
}


def readable(
    principal: Principal,
    org_column: Any,
    status_column: Any,
    visibility_column: Any,
    sector_root: uuid.UUID | None = None,
) -> ColumnElement[bool]:
    """Entries (or occurrences) the principal reads: its subtree's, except other
    organizations' drafts; with `sector_root`, also the `sector` and `public` entries of
    that tree that are not drafts."""
    if principal.organization_id is not None:
        own_drafts: ColumnElement[bool] = org_column == principal.organization_id
    else:
        own_drafts = false()
    clause: ColumnElement[bool] = and_(
        visible_to(principal, org_column), or_(status_column != "draft", own_drafts)
    )
    if sector_root is not None:
        clause = or_(
            clause,
            and_(
                visibility_column.in_(SHARED),
                status_column != "draft",
                in_subtree(org_column, sector_root),
            ),
        )
    return clause


async def flush(session: AsyncSession) -> None:
    """Flush; a unique violation becomes a 409 naming the field."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        for name, field in UNIQUE_FIELDS.items():
            if name in message:
                raise duplicate(*field) from exc
        raise
