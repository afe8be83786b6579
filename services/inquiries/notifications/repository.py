"""SQL for notifications, their templates and the opt-out list."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.orgtree import in_subtree, sees_row
from services.common.pagination import PageParams, paginate
from services.inquiries.models import (
    Inquiry,
    Message,
    Notification,
    NotificationOptOut,
    NotificationTemplate,
)


async def inquiry(session: AsyncSession, inquiry_id: uuid.UUID) -> Inquiry | None:
    return await session.get(Inquiry, inquiry_id)


async def message_body(session: AsyncSession, message_id: uuid.UUID) -> str | None:
    body: str | None = await session.scalar(select(Message.body).where(Message.id == message_id))
    return body


async def templates_for(
    session: AsyncSession, organization_ids: list[uuid.UUID], event: str, language: str
) -> dict[uuid.UUID, NotificationTemplate]:
    rows = await session.scalars(
        select(NotificationTemplate).where(
            NotificationTemplate.organization_id.in_(organization_ids),
            NotificationTemplate.event == event,
            NotificationTemplate.language == language,
        )
    )
    return {row.organization_id: row for row in rows}


async def template(
    session: AsyncSession, organization_id: uuid.UUID, event: str, language: str
) -> NotificationTemplate | None:
    return (await templates_for(session, [organization_id], event, language)).get(organization_id)


async def list_templates(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    page: PageParams,
) -> tuple[list[NotificationTemplate], str | None]:
    stmt: Select[Any] = select(NotificationTemplate).where(
        sees_row(principal, NotificationTemplate.organization_id)
    )
    if organization_id is not None:
        stmt = stmt.where(in_subtree(NotificationTemplate.organization_id, organization_id))
    return await paginate(
        session, stmt, [NotificationTemplate.created_at, NotificationTemplate.id], page
    )


async def delete_template(session: AsyncSession, row: NotificationTemplate) -> None:
    await session.execute(delete(NotificationTemplate).where(NotificationTemplate.id == row.id))


async def opted_out(session: AsyncSession, digests: list[str]) -> bool:
    if not digests:
        return False
    found = await session.scalar(
        select(NotificationOptOut.id).where(NotificationOptOut.contact_digest.in_(digests)).limit(1)
    )
    return found is not None


async def opt_out(session: AsyncSession, digests: list[str]) -> None:
    if digests:
        await session.execute(
            insert(NotificationOptOut)
            .values([{"id": uuid.uuid4(), "contact_digest": d} for d in digests])
            .on_conflict_do_nothing(constraint="uq_inquiry_notification_opt_out_contact_digest")
        )


async def opt_in(session: AsyncSession, digests: list[str]) -> None:
    if digests:
        await session.execute(
            delete(NotificationOptOut).where(NotificationOptOut.contact_digest.in_(digests))
        )


async def add(session: AsyncSession, **values: Any) -> uuid.UUID | None:
    """The notification's id, or None when its `source` was queued before."""
    row_id: uuid.UUID | None = await session.scalar(
        insert(Notification)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(constraint="uq_inquiry_notification_source")
        .returning(Notification.id)
    )
    return row_id


async def release_waiting(session: AsyncSession, source: str) -> uuid.UUID | None:
    """Turns the notification of `source` from `waiting` to `queued`; its id if it did."""
    found: uuid.UUID | None = await session.scalar(
        update(Notification)
        .where(Notification.source == source, Notification.status == "waiting")
        .values(status="queued", updated_at=func.now())
        .returning(Notification.id)
    )
    return found


async def lock(session: AsyncSession, row_id: uuid.UUID) -> Notification | None:
    return await session.scalar(
        select(Notification).where(Notification.id == row_id).with_for_update()
    )


async def of_inquiry(session: AsyncSession, inquiry_id: uuid.UUID) -> list[Notification]:
    rows = await session.scalars(
        select(Notification)
        .where(Notification.inquiry_id == inquiry_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return list(rows.all())
