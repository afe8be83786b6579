"""The SQL on `common_attachment` (the only place that builds it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.attachments.models import Attachment
from services.common.pagination import PageParams, paginate


async def add(session: AsyncSession, attachment: Attachment) -> None:
    session.add(attachment)
    await session.flush()


async def get(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def lock_unowned(
    session: AsyncSession, ids: Sequence[uuid.UUID], uploader: str | None
) -> list[uuid.UUID]:
    """The ids among `ids` that are still unowned and were uploaded by `uploader` (NULL:
    anonymously), locked until the transaction ends."""
    rows = await session.scalars(
        select(Attachment.id)
        .where(
            Attachment.id.in_(ids),
            Attachment.owner_id.is_(None),
            Attachment.uploader.is_not_distinct_from(uploader),
        )
        .with_for_update()
    )
    return list(rows)


async def claim(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    uploader: str | None,
    owner: dict[str, Any],
) -> list[uuid.UUID]:
    """Gives the unowned attachments of `uploader` among `ids` to `owner`; returns the ids
    it changed. An attachment that is owned already is never changed again."""
    rows = await session.scalars(
        update(Attachment)
        .where(
            Attachment.id.in_(ids),
            Attachment.owner_id.is_(None),
            Attachment.uploader.is_not_distinct_from(uploader),
        )
        .values(**owner, attached_at=func.now(), updated_at=func.now())
        .returning(Attachment.id)
    )
    return list(rows)


async def owned_by(session: AsyncSession, owner_ids: Sequence[uuid.UUID]) -> list[Attachment]:
    """The attachments of these owners, oldest first (a timeline's files)."""
    if not owner_ids:
        return []
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.owner_id.in_(owner_ids))
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list(rows)


async def page_of_parent(
    session: AsyncSession, parent_id: uuid.UUID, page: PageParams, *, citizen_only: bool = False
) -> tuple[list[Attachment], str | None]:
    stmt = select(Attachment).where(Attachment.owner_parent_id == parent_id)
    if citizen_only:
        stmt = stmt.where(Attachment.citizen_readable)
    return await paginate(session, stmt, [Attachment.created_at, Attachment.id], page)


async def unreferenced_before(
    session: AsyncSession, cutoff: datetime, limit: int
) -> list[Attachment]:
    """Uploads nothing referenced before `cutoff`, oldest first, locked (skipping rows
    another worker holds)."""
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.owner_id.is_(None), Attachment.created_at < cutoff)
        .order_by(Attachment.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def delete(session: AsyncSession, attachment: Attachment) -> None:
    await session.delete(attachment)
    await session.flush()
