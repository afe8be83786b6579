"""Reading what surrounds one inquiry: its timeline, history and survey (staff)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.pagination import PageParams
from services.inquiries.models import Event, Message, Survey
from services.inquiries.repository import inquiries as repository
from services.inquiries.service.inquiries import load_visible, require


async def list_messages(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID, page: PageParams
) -> tuple[list[Message], str | None]:
    require(principal, "inquiries:read")
    await load_visible(session, principal, inquiry_id)
    return await repository.messages_page(session, inquiry_id, page)


async def get_message(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID, message_id: uuid.UUID
) -> Message:
    require(principal, "inquiries:read")
    await load_visible(session, principal, inquiry_id)
    message = await repository.get_message(session, inquiry_id, message_id)
    if message is None:
        raise NotFound("الرسالة", "message")
    return message


async def get_survey(session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID) -> Survey:
    require(principal, "inquiries:read")
    await load_visible(session, principal, inquiry_id)
    survey = await repository.survey_of(session, inquiry_id)
    if survey is None:
        raise NotFound("التقييم", "survey")
    return survey


async def list_events(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID, page: PageParams
) -> tuple[list[Event], str | None]:
    require(principal, "inquiries:read")
    await load_visible(session, principal, inquiry_id)
    return await repository.events_page(session, inquiry_id, page)
