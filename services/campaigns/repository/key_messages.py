"""SQL for key messages and their versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.campaigns.models import KeyMessage, KeyMessageVersion
from services.campaigns.repository.base import within
from services.common import search
from services.common.auth import Principal
from services.common.orgtree import within as org_within
from services.common.pagination import PageParams, paginate


def applies_to(principal: Principal, column: Any) -> ColumnElement[bool]:
    """Key messages of the caller's subtree, and of the organizations above it (a
    ministry's messages are what its municipalities say)."""
    if principal.is_sector_admin:
        return true()
    if principal.organization_id is None:
        return false()
    return or_(
        org_within(column, principal.organization_id),
        org_within(principal.organization_id, column),
    )


async def get_visible(
    session: AsyncSession, principal: Principal, message_id: uuid.UUID
) -> KeyMessage | None:
    return await session.scalar(
        select(KeyMessage).where(
            KeyMessage.id == message_id, applies_to(principal, KeyMessage.organization_id)
        )
    )


@dataclass(frozen=True)
class KeyMessageFilters:
    organization_id: uuid.UUID | None = None
    q: str | None = None


def said(query: search.SearchQuery) -> ColumnElement[bool]:
    """A key message matches when its topic (and code) or one of its versions' wording
    matches the whole query."""
    version = select(KeyMessageVersion.id).where(
        KeyMessageVersion.key_message_id == KeyMessage.id,
        search.match(query, KeyMessageVersion.search_vector, KeyMessageVersion.search_text),
    )
    return or_(
        search.match(query, KeyMessage.search_vector, KeyMessage.search_text), exists(version)
    )


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    filters: KeyMessageFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    stmt: Select[Any] = select(KeyMessage).where(
        applies_to(principal, KeyMessage.organization_id),
        within(KeyMessage.organization_id, filters.organization_id),
    )
    return await search.search_entities(
        session,
        stmt,
        page,
        options,
        filters.q,
        vector=KeyMessage.search_vector,
        text=KeyMessage.search_text,
        created_at=KeyMessage.created_at,
        id_=KeyMessage.id,
        matches=said,
    )


async def versions_of(session: AsyncSession, message_id: uuid.UUID) -> list[KeyMessageVersion]:
    rows = await session.scalars(
        select(KeyMessageVersion)
        .where(KeyMessageVersion.key_message_id == message_id)
        .order_by(KeyMessageVersion.number)
    )
    return list(rows)


async def next_number(session: AsyncSession, message_id: uuid.UUID) -> int:
    current = await session.scalar(
        select(func.max(KeyMessageVersion.number)).where(
            KeyMessageVersion.key_message_id == message_id
        )
    )
    return int(current or 0) + 1


async def version_visible(
    session: AsyncSession, principal: Principal, version_id: uuid.UUID, *, lock: bool = False
) -> KeyMessageVersion | None:
    stmt = select(KeyMessageVersion).where(
        KeyMessageVersion.id == version_id,
        applies_to(principal, KeyMessageVersion.organization_id),
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def versions_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, KeyMessageVersion]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(KeyMessageVersion).where(
            KeyMessageVersion.id.in_(list(ids)),
            applies_to(principal, KeyMessageVersion.organization_id),
        )
    )
    return {v.id: v for v in rows}


async def sector_approved(
    session: AsyncSession, root_id: uuid.UUID, page: PageParams
) -> tuple[list[Any], str | None]:
    """The approved versions of every key message of `root_id`'s subtree."""
    stmt: Any = (
        select(
            KeyMessageVersion.id,
            KeyMessageVersion.created_at,
            KeyMessageVersion.key_message_id,
            KeyMessageVersion.organization_id,
            KeyMessageVersion.number,
            KeyMessageVersion.text_ar,
            KeyMessageVersion.text_en,
            KeyMessageVersion.approved_at,
            KeyMessage.code,
            KeyMessage.topic,
        )
        .join(KeyMessage, KeyMessage.id == KeyMessageVersion.key_message_id)
        .where(
            KeyMessageVersion.status == "approved",
            within(KeyMessageVersion.organization_id, root_id),
        )
    )
    return await paginate(
        session, stmt, [KeyMessageVersion.created_at, KeyMessageVersion.id], page, rows=True
    )
