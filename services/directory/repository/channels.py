"""SQL for channels."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.pagination import PageParams, paginate
from services.directory.models import Channel
from services.directory.repository.base import text_match, visible, within


async def get_visible(
    session: AsyncSession, principal: Principal, channel_id: uuid.UUID
) -> Channel | None:
    return await session.scalar(
        select(Channel).where(Channel.id == channel_id, visible(principal, Channel.organization_id))
    )


async def find(
    session: AsyncSession, organization_id: uuid.UUID, kind: str, name_ar: str
) -> Channel | None:
    return await session.scalar(
        select(Channel).where(
            Channel.organization_id == organization_id,
            Channel.kind == kind,
            Channel.name_ar == name_ar,
        )
    )


@dataclass(frozen=True)
class ChannelFilters:
    organization_id: uuid.UUID | None = None
    kind: str | None = None
    intake: bool | None = None
    publish: bool | None = None
    active: bool | None = None
    q: str | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: ChannelFilters, page: PageParams
) -> tuple[list[Channel], str | None]:
    stmt: Select[Any] = select(Channel).where(
        visible(principal, Channel.organization_id),
        within(Channel.organization_id, filters.organization_id),
    )
    if filters.kind is not None:
        stmt = stmt.where(Channel.kind == filters.kind)
    for column, value in (
        (Channel.intake, filters.intake),
        (Channel.publish, filters.publish),
        (Channel.active, filters.active),
    ):
        if value is not None:
            stmt = stmt.where(column.is_(value))
    if filters.q:
        stmt = stmt.where(text_match(filters.q, Channel.name_ar, Channel.name_en, Channel.handle))
    return await paginate(session, stmt, [Channel.created_at, Channel.id], page)
