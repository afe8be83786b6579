"""Worker side of the inquiries service (imported by the worker).

- `inquiry.resolved` → the survey invitation is recorded (`survey_invited_at`); idempotent,
  so a redelivered event changes nothing.
- `crisis.activated`, `crisis.closed`, `inquiry.created` → crisis tagging
  (`services.inquiries.service.crisis`).
- `inquiry.created`, `inquiry.replied`, `inquiry.resolved` of an inquiry that came by
  WhatsApp → the reference, the reply, the resolution queued for the citizen there, and
  `whatsapp.send` jobs send them through the Graph API (retried with backoff); for other
  inquiries the same news goes by e-mail or SMS (`notifications.send` jobs).
- `whatsapp.media` jobs fetch a citizen's WhatsApp photo, voice note, video or document
  through the Graph API into an attachment of the inquiry.
- `sweep_sla_breaches(session)` → schedule every minute (periodic job
  `services.inquiries.handlers.sweep_sla_breaches`): emits `inquiry.sla_breached` once per
  target whose due time passed.
- `collect_search_words(session)` → every minute (periodic job
  `services.inquiries.handlers.collect_search_words`): the words of inquiries filed since
  the last run join the search's words table (typo corrections of `q`).
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import search_words
from services.common.outbox import Event, JobContext, handles, job
from services.inquiries import clock
from services.inquiries.models import Inquiry
from services.inquiries.notifications import service as notifications
from services.inquiries.repository import inquiries as repository
from services.inquiries.service import crisis
from services.inquiries.service.sla import sweep_sla_breaches
from services.inquiries.whatsapp import media as whatsapp_media
from services.inquiries.whatsapp import service as whatsapp

__all__ = [
    "close_crisis_tagging",
    "collect_search_words",
    "fetch_whatsapp_media",
    "invite_to_survey",
    "notify_citizen",
    "notify_on_whatsapp",
    "send_notification",
    "send_on_whatsapp",
    "start_crisis_tagging",
    "sweep_sla_breaches",
    "tag_new_inquiry",
]


async def collect_search_words(session: AsyncSession) -> int:
    """Reads the inquiries filed since the last run into `common_search_word`."""
    return await search_words.collect_words(
        session, "inquiry", Inquiry.search_text, Inquiry.created_at
    )


@handles("inquiry.resolved")
async def invite_to_survey(event: Event, session: AsyncSession) -> None:
    if event.aggregate_id is None:
        return
    await repository.mark_survey_invited(session, event.aggregate_id, clock.now())


@handles("crisis.activated")
async def start_crisis_tagging(event: Event, session: AsyncSession) -> None:
    await crisis.open_rule(session, event.payload)


@handles("crisis.closed")
async def close_crisis_tagging(event: Event, session: AsyncSession) -> None:
    await crisis.close_rule(session, event.payload)


@handles("inquiry.created")
async def tag_new_inquiry(event: Event, session: AsyncSession) -> None:
    if event.aggregate_id is not None:
        await crisis.tag_new(session, event.aggregate_id)


@handles("inquiry.created", "inquiry.replied", "inquiry.resolved")
async def notify_on_whatsapp(event: Event, session: AsyncSession) -> None:
    await whatsapp.queue_notification(event, session)


@handles("inquiry.created", "inquiry.replied", "inquiry.resolved")
async def notify_citizen(event: Event, session: AsyncSession) -> None:
    await notifications.queue_for_event(event, session)


@job(notifications.SEND_ENTRYPOINT)
async def send_notification(payload: bytes, context: JobContext) -> None:
    await notifications.send(context.sessionmaker, context.settings, uuid.UUID(payload.decode()))


@job(whatsapp.SEND_ENTRYPOINT)
async def send_on_whatsapp(payload: bytes, context: JobContext) -> None:
    await whatsapp.send(context.sessionmaker, context.settings, uuid.UUID(payload.decode()))


@job(whatsapp_media.MEDIA_ENTRYPOINT)
async def fetch_whatsapp_media(payload: bytes, context: JobContext) -> None:
    found = json.loads(payload)
    await whatsapp_media.run(
        context.sessionmaker, context.settings, uuid.UUID(found["id"]), found.get("filename")
    )
