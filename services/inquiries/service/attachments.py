"""Attachments in the inquiries service: it answers `/v1/attachments` for the whole hub
(uploads, metadata, bytes), and its inquiries and messages cite attachments.

Who may read an attachment follows its owner, from the kernel's record:
- not yet referenced: only the staff member or machine client who uploaded it;
- `public` (a public Open311 request's photo): anyone;
- owned by this service (an inquiry or one of its messages): staff with `inquiries:read`
  who see the inquiry *now* (a transferred inquiry's files follow it), and the citizen
  whose `X-Tracking-Token` opens that inquiry, for files of its public timeline;
- owned by another service: its readers (`<service>:read`) who see the owning
  organization's subtree;
everyone else gets 404, so ids do not leak.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.attachments import pipeline
from services.common.attachments import repository as records
from services.common.attachments.models import Attachment
from services.common.attachments.references import (
    Owner,
    attach,
    check_available,
    uploader_of,
)
from services.common.attachments.safety import clean_filename
from services.common.attachments.schemas import AttachmentRef, attachment_ref
from services.common.attachments.storage import Storage, spool_dir
from services.common.attachments.upload import SpoolSink, receive
from services.common.auth import Principal
from services.common.errors import NotFound, PayloadTooLarge
from services.common.orgtree import can_see, is_within
from services.common.pagination import PageParams
from services.common.settings import GovhubSettings
from services.inquiries.models import Inquiry, Message
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.inquiries import InquiryCreate
from services.inquiries.service.inquiries import SERVICE, token_matches
from services.inquiries.service.intake import create as intake
from services.inquiries.service.intake.memory import IntakeMemory
from services.inquiries.service.intake.writer import IntakeWriter


def _not_found() -> NotFound:
    return NotFound("المرفق", "attachment")


def upload_limit(settings: GovhubSettings, principal: Principal | None) -> int:
    if principal is None:
        return settings.attachments_max_bytes_anonymous
    return settings.attachments_max_bytes_staff


async def receive_upload(
    settings: GovhubSettings,
    principal: Principal | None,
    chunks: AsyncIterator[bytes],
    *,
    content_type: str,
    filename: str | None,
    declared: int | None,
) -> pipeline.Prepared:
    """The request body, checked and ready to store (see `common.attachments`)."""
    limit = upload_limit(settings, principal)
    if declared is not None and declared > limit + 64 * 1024:  # multipart framing aside
        raise PayloadTooLarge(limit)
    if filename is not None:
        # refused before a byte is stored: a name with a NUL, for one
        clean_filename(filename, "")
    sink = SpoolSink(spool_dir(settings), limit, pipeline.caller_kind(principal))
    received = await receive(chunks, content_type=content_type, filename=filename, sink=sink)
    return await pipeline.prepare(received, settings.attachments_clamd_url)


async def store_upload(
    session: AsyncSession,
    storage: Storage,
    prepared: pipeline.Prepared,
    principal: Principal | None,
) -> Attachment:
    return await pipeline.save(session, storage, prepared, principal, SERVICE)


async def readable(
    session: AsyncSession,
    principal: Principal | None,
    tracking_token: str | None,
    attachment_id: uuid.UUID,
) -> Attachment:
    """The attachment if the caller may read it (see the module); 404 otherwise."""
    attachment = await records.get(session, attachment_id)
    if attachment is None:
        raise _not_found()
    if attachment.owner_id is None:
        if principal is not None and attachment.uploader == uploader_of(principal):
            return attachment
        raise _not_found()
    if attachment.public:
        return attachment
    if principal is not None and await _staff_may_read(session, principal, attachment):
        return attachment
    if tracking_token and attachment.citizen_readable and attachment.owner_service == SERVICE:
        inquiry = await repository.get(session, _parent(attachment))
        if inquiry is not None and token_matches(inquiry, tracking_token):
            return attachment
    raise _not_found()


def _parent(attachment: Attachment) -> uuid.UUID:
    assert attachment.owner_parent_id is not None  # owned rows have one (a CHECK says so)
    return attachment.owner_parent_id


async def _staff_may_read(
    session: AsyncSession, principal: Principal, attachment: Attachment
) -> bool:
    if attachment.owner_service == SERVICE:
        if not principal.can("inquiries:read"):
            return False
        seen = await repository.get(session, _parent(attachment), seen_by=principal)
        return seen is not None
    # another service's resource: its readers (`campaigns:read`, `calendar:read` …) in the
    # owning organization's subtree
    organization = attachment.owner_organization_id
    if organization is None or not principal.can(f"{attachment.owner_service}:read"):
        return False
    if await can_see(session, principal, organization):
        return True
    return (
        attachment.readable_below
        and principal.organization_id is not None
        and await is_within(session, principal.organization_id, organization)
    )


async def list_for_parent(
    session: AsyncSession,
    principal: Principal | None,
    tracking_token: str | None,
    parent_id: uuid.UUID,
    page: PageParams,
) -> tuple[list[Attachment], str | None]:
    """The attachments of a resource and of what belongs to it (an inquiry and its
    messages), as the caller may read them: all for its staff, the public timeline's for
    the citizen with the tracking token."""
    first = await records.page_of_parent(
        session, parent_id, PageParams(limit=1, cursor=None), citizen_only=False
    )
    if not first[0]:
        return [], None
    sample = first[0][0]
    if principal is not None and await _staff_may_read(session, principal, sample):
        return await records.page_of_parent(session, parent_id, page)
    if tracking_token and sample.owner_service == SERVICE:
        inquiry = await repository.get(session, parent_id)
        if inquiry is not None and token_matches(inquiry, tracking_token):
            return await records.page_of_parent(session, parent_id, page, citizen_only=True)
    raise _not_found()


# --- citing attachments from inquiries and their messages ----------------------------------


def inquiry_owner(inquiry_id: uuid.UUID, organization_id: uuid.UUID) -> Owner:
    """What the citizen sent with the inquiry: on its public timeline."""
    return Owner(SERVICE, "inquiry", inquiry_id, organization_id, citizen_readable=True)


def message_owner(message: Message, inquiry: Inquiry) -> Owner:
    return Owner(
        SERVICE,
        "inquiry_message",
        message.id,
        inquiry.organization_id,
        parent_id=inquiry.id,
        citizen_readable=message.visibility == "public",
    )


async def attach_to_message(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    principal: Principal | None,
    message: Message,
    inquiry: Inquiry | None = None,
) -> list[AttachmentRef]:
    """Gives the uploads `ids` to a timeline entry of the inquiry (loaded in this session
    already); returns the entry's files."""
    if not ids:
        return []
    inquiry = inquiry or await session.get(Inquiry, message.inquiry_id)
    assert inquiry is not None
    await attach(session, ids, principal, message_owner(message, inquiry))
    return await refs_of(session, message.id)


async def submit_with_attachments(
    session: AsyncSession,
    principal: Principal | None,
    body: InquiryCreate,
    memory: IntakeMemory,
    writer: IntakeWriter,
) -> tuple[Any, str]:
    """Intake of an inquiry that cites uploads: the uploads are checked (and locked) first,
    so the intake joins the request's transaction, and given to the inquiry in it."""
    await check_available(session, body.attachment_ids, principal)
    inquiry, token = await intake.create_inquiry(session, principal, body, memory, writer)
    await attach(
        session, body.attachment_ids, principal, inquiry_owner(inquiry.id, inquiry.organization_id)
    )
    return inquiry, token


async def refs_of(session: AsyncSession, owner_id: uuid.UUID) -> list[AttachmentRef]:
    return [attachment_ref(a) for a in await records.owned_by(session, [owner_id])]


async def refs_by_owner(
    session: AsyncSession, owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AttachmentRef]]:
    """The attachments of many owners in one read (a page of a timeline)."""
    found: dict[uuid.UUID, list[AttachmentRef]] = {}
    for attachment in await records.owned_by(session, owner_ids):
        assert attachment.owner_id is not None
        found.setdefault(attachment.owner_id, []).append(attachment_ref(attachment))
    return found
