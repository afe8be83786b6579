"""SQL for WhatsApp messages, and the one directory read it needs: which organization owns
a phone number id (its active `whatsapp` channel whose `handle` is that id)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, column, func, select, table, text, update
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.inquiries.domain.states import Status
from services.inquiries.models import Inquiry, Message, WhatsAppMessage

directory_channel = table(
    "directory_channel",
    column("organization_id", UUID(as_uuid=True)),
    column("kind", String()),
    column("handle", String()),
    column("active", Boolean()),
    column("created_at"),
)

# states in which a citizen's message joins the inquiry rather than opening a new one
OPEN_STATES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN)


async def lock_sender(session: AsyncSession, phone_number_id: str, wa_id: str) -> None:
    """Serializes one sender's messages (two at once must not open two inquiries)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 20))"),
        {"key": f"whatsapp:{phone_number_id}:{wa_id}"},
    )


async def organization_for(session: AsyncSession, phone_number_id: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await session.scalar(
        select(directory_channel.c.organization_id)
        .where(
            directory_channel.c.kind == "whatsapp",
            directory_channel.c.handle == phone_number_id,
            directory_channel.c.active.is_(True),
        )
        .order_by(directory_channel.c.created_at)
        .limit(1)
    )
    return found


async def add_inbound(session: AsyncSession, **values: Any) -> WhatsAppMessage | None:
    """The message, or None when its `wamid` was seen before (Meta redelivers)."""
    row_id = await session.scalar(
        insert(WhatsAppMessage)
        .values(id=uuid.uuid4(), direction="in", status="received", **values)
        .on_conflict_do_nothing(constraint="uq_inquiry_whatsapp_message_wamid")
        .returning(WhatsAppMessage.id)
    )
    if row_id is None:
        return None
    return await session.get(WhatsAppMessage, row_id)


async def open_inquiry(session: AsyncSession, phone_number_id: str, wa_id: str) -> Inquiry | None:
    """The sender's most recent inquiry on this number that is still open, locked."""
    latest = (
        select(WhatsAppMessage.inquiry_id)
        .join(Inquiry, Inquiry.id == WhatsAppMessage.inquiry_id)
        .where(
            WhatsAppMessage.phone_number_id == phone_number_id,
            WhatsAppMessage.wa_id == wa_id,
            WhatsAppMessage.direction == "in",
            Inquiry.status.in_([s.value for s in OPEN_STATES]),
        )
        .order_by(WhatsAppMessage.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return await session.scalar(
        select(Inquiry).where(Inquiry.id == latest).with_for_update(of=Inquiry)
    )


async def conversation_of(session: AsyncSession, inquiry_id: uuid.UUID) -> WhatsAppMessage | None:
    """The citizen's latest message on the inquiry: whom to answer, from which number."""
    return await session.scalar(
        select(WhatsAppMessage)
        .where(WhatsAppMessage.inquiry_id == inquiry_id, WhatsAppMessage.direction == "in")
        .order_by(WhatsAppMessage.created_at.desc())
        .limit(1)
    )


async def last_inbound_at(
    session: AsyncSession, phone_number_id: str, wa_id: str
) -> datetime | None:
    """When the citizen last wrote to this number (opens Meta's 24-hour window)."""
    found: datetime | None = await session.scalar(
        select(WhatsAppMessage.created_at)
        .where(
            WhatsAppMessage.phone_number_id == phone_number_id,
            WhatsAppMessage.wa_id == wa_id,
            WhatsAppMessage.direction == "in",
        )
        .order_by(WhatsAppMessage.created_at.desc())
        .limit(1)
    )
    return found


async def add_outbound(
    session: AsyncSession, status: str = "queued", **values: Any
) -> uuid.UUID | None:
    """The queued (or `waiting`) message's id, or None when its `source` was queued
    before."""
    row_id: uuid.UUID | None = await session.scalar(
        insert(WhatsAppMessage)
        .values(id=uuid.uuid4(), direction="out", status=status, **values)
        .on_conflict_do_nothing(constraint="uq_inquiry_whatsapp_message_source")
        .returning(WhatsAppMessage.id)
    )
    return row_id


async def release_waiting(session: AsyncSession, source: str) -> uuid.UUID | None:
    """Turns the outgoing message of `source` from `waiting` to `queued`; its id if it did."""
    found: uuid.UUID | None = await session.scalar(
        update(WhatsAppMessage)
        .where(WhatsAppMessage.source == source, WhatsAppMessage.status == "waiting")
        .values(status="queued", updated_at=func.now())
        .returning(WhatsAppMessage.id)
    )
    return found


async def lock(session: AsyncSession, row_id: uuid.UUID) -> WhatsAppMessage | None:
    return await session.scalar(
        select(WhatsAppMessage).where(WhatsAppMessage.id == row_id).with_for_update()
    )


async def lock_by_wamid(session: AsyncSession, wamid: str) -> WhatsAppMessage | None:
    return await session.scalar(
        select(WhatsAppMessage)
        .where(WhatsAppMessage.wamid == wamid, WhatsAppMessage.direction == "out")
        .with_for_update()
    )


async def inquiry(session: AsyncSession, inquiry_id: uuid.UUID) -> Inquiry | None:
    return await session.get(Inquiry, inquiry_id)


async def message_body(session: AsyncSession, message_id: uuid.UUID) -> str | None:
    body: str | None = await session.scalar(select(Message.body).where(Message.id == message_id))
    return body
