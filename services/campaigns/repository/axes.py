"""SQL for axes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Axis
from services.campaigns.repository.base import text_match
from services.common.pagination import PageParams, paginate


async def get(session: AsyncSession, axis_id: uuid.UUID) -> Axis | None:
    return await session.get(Axis, axis_id)


async def list_axes(
    session: AsyncSession, q: str | None, page: PageParams
) -> tuple[list[Axis], str | None]:
    stmt: Select[Any] = select(Axis)
    if q:
        stmt = stmt.where(text_match(q, Axis.name_ar, Axis.name_en, Axis.code))
    return await paginate(session, stmt, [Axis.created_at, Axis.id], page, descending=False)
