"""Citizens' notifications: what each event tells the citizen, in which language and
wording, by which medium; queued by the worker's outbox handler once per source, sent by
`notifications.send` jobs with retries; opting out.

The medium is the channel the citizen wrote from: a WhatsApp conversation is answered on
WhatsApp (`whatsapp.service`); e-mail for inquiries that came by e-mail, the website or the
app when there is an address; SMS to the phone number otherwise; nothing without either.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit
from services.common.auth import Principal
from services.common.errors import NotFound, ValidationFailed
from services.common.orgtree import ancestors, can_see
from services.common.outbox import Event, enqueue_job
from services.common.pagination import PageParams
from services.common.settings import GovhubSettings
from services.inquiries.errors import InquiryNotFound, TrackingTokenRequired
from services.inquiries.models import Inquiry, NotificationTemplate
from services.inquiries.notifications import repository as repo
from services.inquiries.notifications.senders import Outgoing, SendFailed, sender_for
from services.inquiries.notifications.texts import (
    DEFAULTS,
    LINK_PLACEHOLDER,
    PLACEHOLDERS,
    NotificationEvent,
    contact_digest,
    language_for,
    placeholders_of,
    render,
    survey_link,
    with_link,
)
from services.inquiries.repository import inquiries as inquiries_repo
from services.inquiries.service.inquiries import SERVICE, record_event, require, token_matches
from services.inquiries.whatsapp import repository as whatsapp_repo

logger = logging.getLogger("govhub.notifications")

SEND_ENTRYPOINT = "notifications.send"
EMAIL_FIRST_CHANNELS = frozenset({"email", "website", "app"})


def medium_for(inquiry: Inquiry) -> tuple[str, str] | None:
    """(medium, recipient) for an inquiry that did not come by WhatsApp."""
    phone, email = inquiry.contact_phone, inquiry.contact_email
    if email and inquiry.channel in EMAIL_FIRST_CHANNELS:
        return "email", email
    if phone:
        return "sms", phone
    if email:
        return "email", email
    return None


def digests_of(inquiry: Inquiry, wa_id: str | None = None) -> list[str]:
    found = []
    if inquiry.contact_phone:
        found.append(contact_digest("phone", inquiry.contact_phone))
    if inquiry.contact_email:
        found.append(contact_digest("email", inquiry.contact_email))
    if wa_id:
        found.append(contact_digest("phone", "+" + wa_id))
    return found


async def wording(
    session: AsyncSession, organization_id: uuid.UUID, event: NotificationEvent, language: str
) -> tuple[tuple[str, str], uuid.UUID | None]:
    """((subject, body), the organization whose template it is — None for the built-in):
    the organization's own, else the nearest ancestor's, else the built-in wording."""
    chain = [row["id"] for row in await ancestors(session, organization_id)]
    templates = await repo.templates_for(session, chain, event.value, language)
    default_subject, default_body = DEFAULTS[event][language]
    for org in chain:
        found = templates.get(org)
        if found is not None:
            return (found.subject or default_subject, found.body), org
    return (default_subject, default_body), None


async def whatsapp_template_for(
    session: AsyncSession, organization_id: uuid.UUID, event: NotificationEvent, language: str
) -> str | None:
    """The approved WhatsApp template the organization (or its nearest ancestor that set
    one) uses for the notification outside the 24-hour window; None: the hub's default."""
    chain = [row["id"] for row in await ancestors(session, organization_id)]
    templates = await repo.templates_for(session, chain, event.value, language)
    for org in chain:
        found = templates.get(org)
        if found is not None and found.whatsapp_template:
            return found.whatsapp_template
    return None


async def compose(
    session: AsyncSession, inquiry: Inquiry, event: NotificationEvent, text: str
) -> tuple[str, str, str]:
    """(language, subject, body) of a notification about the inquiry."""
    language = language_for(inquiry.body)
    (subject, body), _ = await wording(session, inquiry.organization_id, event, language)
    chain = await ancestors(session, inquiry.organization_id)
    own = chain[0] if chain else {}
    name = (own.get("name_en") if language == "en" else None) or own.get("name_ar") or ""
    values = {"reference": inquiry.reference, "organization": name, "text": text}
    return language, render(subject, values), render(body, values)


Told = tuple[NotificationEvent, str, str, uuid.UUID | None]

SURVEY_PREFIX = "survey:"
RESOLVED_PREFIX = "resolved:"


async def what_to_tell(session: AsyncSession, event: Event, inquiry: Inquiry) -> list[Told]:
    """(notification, source, text, timeline message) for each message an outbox event
    means, in the order they go: a resolution is followed by the survey invitation."""
    if event.event_type == "inquiry.created":
        return [(NotificationEvent.RECEIVED, f"received:{inquiry.id}", "", None)]
    if event.event_type == "inquiry.replied":
        message_id = uuid.UUID(str(event.payload["message_id"]))
        kind = (
            NotificationEvent.INFO_REQUESTED
            if event.payload.get("awaiting_citizen")
            else NotificationEvent.REPLIED
        )
        text = await repo.message_body(session, message_id) or ""
        return [(kind, f"reply:{message_id}", text, message_id)]
    if event.event_type == "inquiry.resolved":
        return [
            (
                NotificationEvent.RESOLVED,
                f"{RESOLVED_PREFIX}{event.id}",
                inquiry.resolution or "",
                None,
            ),
            (NotificationEvent.SURVEY, f"{SURVEY_PREFIX}{event.id}", "", None),
        ]
    return []


def initial_status(kind: NotificationEvent) -> str:
    """`queued` (its send job goes at once), or `waiting` for the survey invitation: it is
    queued once the resolution has gone (`survey_source_after`), so it arrives second."""
    return "waiting" if kind is NotificationEvent.SURVEY else "queued"


def survey_source_after(source: str | None) -> str | None:
    """The survey invitation's source that waits for the resolution `source`."""
    if source and source.startswith(RESOLVED_PREFIX):
        return SURVEY_PREFIX + source.removeprefix(RESOLVED_PREFIX)
    return None


def survey_url(settings: GovhubSettings, inquiry: Inquiry) -> str:
    return survey_link(settings.inquiries_survey_url, inquiry.reference, inquiry.id)


async def queue_for_event(event: Event, session: AsyncSession) -> list[uuid.UUID]:
    """Queues the SMS or e-mail messages the event means for the citizen; WhatsApp
    conversations are left to `whatsapp.service.queue_notification`."""
    if event.aggregate_id is None:
        return []
    inquiry = await repo.inquiry(session, event.aggregate_id)
    if inquiry is None or await whatsapp_repo.conversation_of(session, inquiry.id) is not None:
        return []
    target = medium_for(inquiry)
    if target is None:
        return []
    medium, recipient = target
    opted_out = await repo.opted_out(session, digests_of(inquiry))
    queued = []
    for kind, source, text, _ in await what_to_tell(session, event, inquiry):
        language, subject, body = await compose(session, inquiry, kind, text)
        row_id = await repo.add(
            session,
            inquiry_id=inquiry.id,
            source=source,
            event=kind.value,
            medium=medium,
            recipient=recipient,
            language=language,
            subject=subject if medium == "email" else None,
            body=body,
            status="opted_out" if opted_out else initial_status(kind),
        )
        if row_id is None:
            continue
        queued.append(row_id)
        if not opted_out and initial_status(kind) == "queued":
            await enqueue_job(session, SEND_ENTRYPOINT, str(row_id).encode())
    return queued


async def note_delivery(
    session: AsyncSession,
    inquiry_id: uuid.UUID | None,
    medium: str,
    status: str,
    reference: dict[str, str],
    error: str | None = None,
) -> None:
    """A `channel_delivery` entry in the inquiry's history (its state unchanged)."""
    inquiry = await repo.inquiry(session, inquiry_id) if inquiry_id else None
    if inquiry is None:
        return
    details: dict[str, Any] = {"channel": medium, "status": status, **reference}
    if error:
        details["error"] = error
    await record_event(
        session,
        inquiry,
        "channel_delivery",
        inquiry.status,
        datetime.now(UTC),
        actor_type="system",
        actor_id=None,
        details=details,
    )


async def send(
    sessionmaker: async_sessionmaker[AsyncSession], settings: GovhubSettings, row_id: uuid.UUID
) -> str:
    """One attempt at a queued notification; its status after."""
    async with sessionmaker() as session, session.begin():
        row = await repo.lock(session, row_id)
        if row is None or row.status != "queued":
            return row.status if row else "missing"
        sender = sender_for(row.medium, settings)
        row.attempts += 1
        row.updated_at = datetime.now(UTC)
        reference = {"notification_id": str(row.id)}
        if LINK_PLACEHOLDER in row.body:
            inquiry = await repo.inquiry(session, row.inquiry_id)
            if inquiry is not None:
                row.body = with_link(row.body, survey_url(settings, inquiry))
        try:
            row.provider_id = await sender.send(
                Outgoing(row.recipient, row.subject, row.body, row.language)
            )
        except SendFailed as exc:
            row.error = str(exc)[:2000]
            if row.attempts >= settings.outbox_max_attempts:
                row.status = "failed"
                await note_delivery(
                    session, row.inquiry_id, row.medium, "failed", reference, row.error
                )
                await release_survey(session, row.source)
            else:
                delay = min(settings.outbox_backoff_seconds * 2 ** (row.attempts - 1), 3600.0)
                await enqueue_job(session, SEND_ENTRYPOINT, str(row.id).encode(), delay)
                logger.warning(
                    "notification %s not sent (attempt %d): %s", row.id, row.attempts, exc
                )
            return row.status
        row.status = "logged" if sender.name == "log" else "sent"
        row.error = None
        await note_delivery(session, row.inquiry_id, row.medium, row.status, reference)
        await release_survey(session, row.source)
        return row.status


async def release_survey(session: AsyncSession, source: str | None) -> None:
    """Once a resolution is done with (sent, logged or failed for good), the survey
    invitation that waits for it is queued."""
    survey = survey_source_after(source)
    if survey is None:
        return
    row_id = await repo.release_waiting(session, survey)
    if row_id is not None:
        await enqueue_job(session, SEND_ENTRYPOINT, str(row_id).encode())


# ------------------------------------------------------------------ opting out


async def opt_out(session: AsyncSession, reference: str, token: str | None) -> None:
    """No more notifications to the contact (phone, e-mail, WhatsApp number) of the inquiry
    the tracking token opens, for this inquiry or any other."""
    if not token:
        raise TrackingTokenRequired()
    inquiry = await inquiries_repo.get_by_reference(session, reference)
    if inquiry is None or not token_matches(inquiry, token):
        raise InquiryNotFound()
    conversation = await whatsapp_repo.conversation_of(session, inquiry.id)
    await repo.opt_out(session, digests_of(inquiry, conversation.wa_id if conversation else None))
    await audit.record(
        session,
        service=SERVICE,
        principal=None,
        action="opt_out",
        resource_type="inquiry",
        resource_id=inquiry.id,
        organization_id=inquiry.organization_id,
        changes={},
    )


async def opt_out_number(session: AsyncSession, phone: str) -> None:
    await repo.opt_out(session, [contact_digest("phone", phone)])


async def opt_in_number(session: AsyncSession, phone: str) -> None:
    """The number asked for notifications again (START on WhatsApp)."""
    await repo.opt_in(session, [contact_digest("phone", phone)])


async def is_opted_out(session: AsyncSession, phone: str) -> bool:
    return await repo.opted_out(session, [contact_digest("phone", phone)])


# ------------------------------------------------------------------ templates


def _names(template: str) -> set[str]:
    try:
        return placeholders_of(template)
    except ValueError:
        return set()


async def _organization(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> None:
    if not await can_see(session, principal, org_id):
        raise NotFound("الجهة", "organization")


def check_template(subject: str | None, body: str, event: NotificationEvent | None = None) -> None:
    if event is NotificationEvent.SURVEY and "link" not in _names(body):
        raise ValidationFailed(
            "body",
            "يجب أن تتضمن دعوة التقييم الرابط {link}",
            "The survey invitation must carry its link: {link}",
        )
    for field, value in (("subject", subject), ("body", body)):
        if value is None:
            continue
        try:
            unknown = placeholders_of(value) - PLACEHOLDERS
        except ValueError as exc:
            raise ValidationFailed(
                field, "صيغة القالب غير صحيحة", f"Not a valid template: {exc}"
            ) from exc
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValidationFailed(
                field,
                f"متغيرات غير معروفة: {names}",
                f"Unknown placeholders: {names} (use reference, organization, text, link)",
            )


async def effective_template(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    event: NotificationEvent,
    language: str,
) -> tuple[str, str, uuid.UUID | None, NotificationTemplate | None, str | None]:
    """(subject, body, whose, the organization's own row if it has one, the WhatsApp
    template used outside the 24-hour window if one is set)."""
    require(principal, "inquiries:read")
    await _organization(session, principal, organization_id)
    (subject, body), whose = await wording(session, organization_id, event, language)
    own = await repo.template(session, organization_id, event.value, language)
    whatsapp = await whatsapp_template_for(session, organization_id, event, language)
    return subject, body, whose, own, whatsapp


async def put_template(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    event: NotificationEvent,
    language: str,
    subject: str | None,
    body: str,
    whatsapp_template: str | None = None,
) -> NotificationTemplate:
    require(principal, "inquiries:admin")
    await _organization(session, principal, organization_id)
    check_template(subject, body, event)
    row = await repo.template(session, organization_id, event.value, language)
    now = datetime.now(UTC)
    if row is None:
        row = NotificationTemplate(
            id=uuid.uuid4(),
            organization_id=organization_id,
            event=event.value,
            language=language,
            created_at=now,
        )
        session.add(row)
    row.subject, row.body, row.updated_at = subject, body, now
    row.whatsapp_template = whatsapp_template
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="set_template",
        resource_type="notification_template",
        resource_id=row.id,
        organization_id=organization_id,
        changes={
            "event": event.value,
            "language": language,
            "body": body,
            "whatsapp_template": whatsapp_template,
        },
    )
    return row


async def delete_template(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    event: NotificationEvent,
    language: str,
) -> NotificationTemplate:
    require(principal, "inquiries:admin")
    await _organization(session, principal, organization_id)
    row = await repo.template(session, organization_id, event.value, language)
    if row is None:
        raise NotFound("القالب", "template")
    await repo.delete_template(session, row)
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="delete_template",
        resource_type="notification_template",
        resource_id=row.id,
        organization_id=organization_id,
        changes={"event": event.value, "language": language},
    )
    return row


async def list_templates(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    page: PageParams,
) -> tuple[list[NotificationTemplate], str | None]:
    require(principal, "inquiries:read")
    if organization_id is not None:
        await _organization(session, principal, organization_id)
    return await repo.list_templates(session, principal, organization_id, page)
