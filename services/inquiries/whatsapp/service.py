"""WhatsApp in and out.

In: each message of a signed notification, once per `wamid` (Meta redelivers), opens an
inquiry on the `whatsapp` channel of the organization that owns the phone number id, or
joins the sender's open inquiry on that number; a photo, voice note, video or document is
then fetched into an attachment by a job (`media`). Statuses of what we sent are recorded
on the message and in the inquiry's history.

Out: the worker queues what a citizen who wrote on WhatsApp should get there (the
reference on intake, staff's public replies, the resolution and then the survey
invitation with its link; see `notifications`) as one message per source, and a job sends
each through the Graph API, retried with backoff: as free text within 24 hours of the
citizen's last message (Meta's customer-service window), as the organization's approved
template after it.
"STOP" or "إيقاف" opts the number out of everything; "START" or "ابدأ" opts it in again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.outbox import Event, enqueue_job
from services.common.settings import GovhubSettings
from services.inquiries.models import WhatsAppMessage
from services.inquiries.notifications import service as notifications
from services.inquiries.notifications.senders import masked
from services.inquiries.notifications.texts import (
    LINK_PLACEHOLDER,
    NotificationEvent,
    language_for,
    with_link,
)
from services.inquiries.schemas.inquiries import InquiryCreate, Kind
from services.inquiries.service.intake import create as intake
from services.inquiries.service.intake.memory import IntakeMemory
from services.inquiries.service.tracking import add_citizen_message
from services.inquiries.whatsapp import media
from services.inquiries.whatsapp import repository as repo
from services.inquiries.whatsapp.cloud import (
    OUTSIDE_WINDOW_ERROR,
    Inbound,
    StatusUpdate,
    error_code,
    template_message,
    text_message,
    within_window,
)

logger = logging.getLogger("govhub.whatsapp")

SEND_ENTRYPOINT = "whatsapp.send"
CHANNEL = "whatsapp"
MEDIA_LABELS = {
    "image": "صورة",
    "audio": "رسالة صوتية",
    "video": "فيديو",
    "document": "مستند",
    "sticker": "ملصق",
    "location": "موقع",
}
# a later status never goes back to an earlier one (Meta may send them out of order)
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}

STOP_WORDS = frozenset({"stop", "إيقاف", "ايقاف", "الغاء", "إلغاء"})
START_WORDS = frozenset({"start", "ابدأ", "ابدا", "تفعيل"})


def _content(message: Inbound) -> tuple[str, str]:
    """The subject and the body of what the citizen sent."""
    label = MEDIA_LABELS.get(message.kind)
    text = (message.text or "").strip()
    if message.kind == "text":
        body = text or "…"
    elif label:
        body = f"[{label}] {text}".strip()
    else:
        body = f"[{message.kind}] {text}".strip()
    first_line = (text.splitlines() or [""])[0].strip()
    subject = first_line[:120] or f"رسالة واتساب ({label or message.kind})"
    return subject, body


def _inquiry_body(message: Inbound, organization_id: uuid.UUID) -> InquiryCreate:
    subject, body = _content(message)
    fields: dict[str, Any] = {
        "kind": Kind.QUESTION,
        "channel": CHANNEL,
        "subject": subject,
        "body": body,
        "organization_id": organization_id,
    }
    if message.latitude is not None and message.longitude is not None:
        fields["location"] = {
            "lat": message.latitude,
            "long": message.longitude,
            "address": (message.address or None) and message.address[:500],
        }
    contact = {"name": (message.profile_name or "")[:200] or None, "phone": "+" + message.wa_id}
    try:
        return InquiryCreate(**fields, contact=contact)
    except ValidationError:
        # a number or name the intake does not take: the inquiry without it
        return InquiryCreate(**fields)


async def receive_message(
    session: AsyncSession, message: Inbound, memory: IntakeMemory | None
) -> str:
    """What became of one message: `duplicate`, `opted_out`, `opted_in`, `unrouted`,
    `created` or `continued`."""
    await repo.lock_sender(session, message.phone_number_id, message.wa_id)
    row = await repo.add_inbound(
        session,
        wamid=message.wamid,
        phone_number_id=message.phone_number_id,
        wa_id=message.wa_id,
        kind=message.kind[:20],
        media_id=message.media_id,
        media_type=message.media_type,
    )
    if row is None:
        return "duplicate"
    word = (message.text or "").strip().lower() if message.kind == "text" else ""
    if word in STOP_WORDS:
        await notifications.opt_out_number(session, "+" + message.wa_id)
        return "opted_out"
    if word in START_WORDS:
        await notifications.opt_in_number(session, "+" + message.wa_id)
        return "opted_in"
    organization_id = await repo.organization_for(session, message.phone_number_id)
    if organization_id is None:
        row.error = "no active whatsapp channel has this phone number id as its handle"
        logger.warning("whatsapp message for unknown phone number id %s", message.phone_number_id)
        return "unrouted"
    existing = await repo.open_inquiry(session, message.phone_number_id, message.wa_id)
    if existing is not None:
        _, body = _content(message)
        added = await add_citizen_message(session, existing, body)
        row.inquiry_id, row.message_id = existing.id, added.id
        await media.queue_fetch(session, row, message.filename)
        return "continued"
    created, _ = await intake.create_inquiry(
        session, None, _inquiry_body(message, organization_id), memory
    )
    row.inquiry_id = created.id
    await media.queue_fetch(session, row, message.filename)
    return "created"


async def record_status(session: AsyncSession, update: StatusUpdate) -> bool:
    """The delivery status of a message we sent; False when it is not ours."""
    row = await repo.lock_by_wamid(session, update.wamid)
    if row is None:
        return False
    if STATUS_RANK.get(update.status, -1) <= STATUS_RANK.get(row.status, -1):
        return True
    row.status = update.status
    row.error = update.error
    row.updated_at = datetime.now(UTC)
    await _note(session, row, row.status, update.error)
    return True


# ------------------------------------------------------------------ out


async def _note(
    session: AsyncSession, row: WhatsAppMessage, status: str, error: str | None = None
) -> None:
    reference = {"whatsapp_message_id": str(row.id)}
    if row.template:
        reference["template"] = row.template
    await notifications.note_delivery(session, row.inquiry_id, CHANNEL, status, reference, error)


async def queue_notification(event: Event, session: AsyncSession) -> list[uuid.UUID]:
    """Queues what the event means for a citizen who wrote on WhatsApp: the reference on
    intake, the resolution and then the survey invitation (worded as the organization's
    templates say), a public reply as staff wrote it. Once per source, whatever the
    redeliveries; nothing to a number that opted out. The survey invitation's job is
    queued when the resolution has gone (`send`), so it arrives second."""
    if event.aggregate_id is None:
        return []
    inquiry = await repo.inquiry(session, event.aggregate_id)
    conversation = await repo.conversation_of(session, event.aggregate_id)
    if inquiry is None or conversation is None:
        return []  # not from a WhatsApp conversation: `notifications` tells the citizen
    if await notifications.is_opted_out(session, "+" + conversation.wa_id):
        return []
    queued = []
    for kind, source, text, message_id in await notifications.what_to_tell(session, event, inquiry):
        language = language_for(inquiry.body)
        if kind in (NotificationEvent.REPLIED, NotificationEvent.INFO_REQUESTED):
            body = text  # a conversation: the reply as written
        else:
            language, _, body = await notifications.compose(session, inquiry, kind, text)
        if not body:
            continue
        row_id = await repo.add_outbound(
            session,
            source=source,
            inquiry_id=inquiry.id,
            message_id=message_id,
            phone_number_id=conversation.phone_number_id,
            wa_id=conversation.wa_id,
            kind="text",
            body=body,
            event=kind.value,
            language=language,
            status=notifications.initial_status(kind),
        )
        if row_id is None:
            continue
        queued.append(row_id)
        if notifications.initial_status(kind) == "queued":
            await enqueue_job(session, SEND_ENTRYPOINT, str(row_id).encode())
    return queued


@dataclass(frozen=True)
class Payload:
    """What one attempt posts: free text, or the approved template `template`."""

    body: dict[str, Any]
    template: str | None = None


async def _template_payload(
    session: AsyncSession, settings: GovhubSettings, row: WhatsAppMessage
) -> Payload:
    """The message as the approved template of its notification: the organization's own
    (or an ancestor's), else `GOVHUB_WHATSAPP_TEMPLATE_NAME`."""
    language = row.language or "ar"
    try:
        event = NotificationEvent(row.event or NotificationEvent.REPLIED.value)
    except ValueError:
        event = NotificationEvent.REPLIED
    inquiry = await repo.inquiry(session, row.inquiry_id) if row.inquiry_id else None
    name = None
    if inquiry is not None:
        name = await notifications.whatsapp_template_for(
            session, inquiry.organization_id, event, language
        )
    name = name or settings.whatsapp_template_name
    code = settings.whatsapp_template_languages.get(language, language)
    return Payload(template_message(row.wa_id, name, code, row.body or ""), name)


async def _payload(
    session: AsyncSession, settings: GovhubSettings, row: WhatsAppMessage, now: datetime
) -> Payload:
    """Free text within 24 hours of the citizen's last message, a template after."""
    last = await repo.last_inbound_at(session, row.phone_number_id, row.wa_id)
    if within_window(last, now):
        return Payload(text_message(row.wa_id, row.body or ""))
    return await _template_payload(session, settings, row)


async def send(
    sessionmaker: async_sessionmaker[AsyncSession], settings: GovhubSettings, row_id: uuid.UUID
) -> str:
    """One attempt at sending a queued message through the Graph API; its status after.
    Outside the 24-hour window (or when Meta says so, error 131047) it goes as a template."""
    async with sessionmaker() as session, session.begin():
        row = await repo.lock(session, row_id)
        if row is None or row.status != "queued":
            return row.status if row else "missing"
        now = datetime.now(UTC)
        row.attempts += 1
        row.updated_at = now
        if row.body and LINK_PLACEHOLDER in row.body:
            inquiry = await repo.inquiry(session, row.inquiry_id) if row.inquiry_id else None
            if inquiry is not None:
                row.body = with_link(row.body, notifications.survey_url(settings, inquiry))
        payload = await _payload(session, settings, row, now)
        if not settings.whatsapp_access_token:
            # no Meta app (as under `make run`): the message is written to the log instead
            how = f"template {payload.template}" if payload.template else "text"
            logger.info("whatsapp (%s) to %s: %s", how, masked("+" + row.wa_id), row.body)
            _sent_as(row, payload)
            row.status = "logged"
            await _note(session, row, "logged")
            await _release_survey(session, row.source)
            return row.status
        wamid, error, code = await _post(settings, row.phone_number_id, payload.body)
        if wamid is None and code == OUTSIDE_WINDOW_ERROR and payload.template is None:
            # Meta's clock says the window has closed: the template, in this same attempt
            payload = await _template_payload(session, settings, row)
            wamid, error, code = await _post(settings, row.phone_number_id, payload.body)
        _sent_as(row, payload)
        if wamid is not None:
            row.wamid, row.status, row.error = wamid, "sent", None
            await _note(session, row, "sent")
            await _release_survey(session, row.source)
            return row.status
        row.error = error
        if row.attempts >= settings.outbox_max_attempts:
            row.status = "failed"
            await _note(session, row, "failed", error)
            await _release_survey(session, row.source)
            logger.error("whatsapp message %s failed for good: %s", row.id, error)
        else:
            delay = min(settings.outbox_backoff_seconds * 2 ** (row.attempts - 1), 3600.0)
            await enqueue_job(session, SEND_ENTRYPOINT, str(row.id).encode(), delay)
            logger.warning(
                "whatsapp message %s not sent (attempt %d): %s", row.id, row.attempts, error
            )
        return row.status


async def _release_survey(session: AsyncSession, source: str | None) -> None:
    """Once the resolution is done with, the survey invitation waiting for it goes."""
    survey = notifications.survey_source_after(source)
    row_id = await repo.release_waiting(session, survey) if survey else None
    if row_id is not None:
        await enqueue_job(session, SEND_ENTRYPOINT, str(row_id).encode())


def _sent_as(row: WhatsAppMessage, payload: Payload) -> None:
    row.kind = "template" if payload.template else "text"
    row.template = payload.template


async def _post(
    settings: GovhubSettings, phone_number_id: str, body: dict[str, Any]
) -> tuple[str | None, str | None, int | None]:
    """(wamid, None, None) when the Graph API took the message, else (None, why, the
    Graph API's error code if it gave one)."""
    url = f"{settings.whatsapp_graph_url.rstrip('/')}/{phone_number_id}/messages"
    try:
        async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
            response = await client.post(
                url,
                json=body,
                headers={"Authorization": f"Bearer {settings.whatsapp_access_token}"},
            )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:2000], None
    if response.status_code // 100 != 2:
        try:
            code = error_code(response.json())
        except ValueError:
            code = None
        return None, f"HTTP {response.status_code}: {response.text[:500]}", code
    try:
        return str(response.json()["messages"][0]["id"]), None, None
    except (ValueError, KeyError, IndexError, TypeError):
        return None, f"unexpected answer: {response.text[:500]}", None
