"""Open311 media: a request that carries a file (the `media` part of a `multipart/form-data`
POST, as some 311 apps send) stores it as an attachment of the inquiry, public like the
request itself, and `media_url` then points at the stored file. A `media_url` a client
sends is kept as given (in the staff note) and never fetched by the server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from services.common.attachments import pipeline
from services.common.attachments import repository as records
from services.common.attachments.references import Owner, attach
from services.common.attachments.schemas import content_path
from services.common.attachments.storage import Storage, spool_dir
from services.common.attachments.upload import SpoolSink, receive_raw
from services.common.auth import Principal
from services.common.i18n import text
from services.common.settings import GovhubSettings
from services.inquiries.models import Inquiry
from services.inquiries.open311.errors import Open311Error
from services.inquiries.service.inquiries import SERVICE

MEDIA_FIELDS = ("media", "file")
READ_BYTES = 64 * 1024


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(READ_BYTES):
        yield chunk


async def receive_media(settings: GovhubSettings, upload: UploadFile) -> pipeline.Prepared:
    """The file, checked as a citizen's upload (photos and PDF, the citizen's size limit:
    the request comes from a citizen's app whatever client relays it)."""
    sink = SpoolSink(spool_dir(settings), settings.attachments_max_bytes_anonymous, "anonymous")
    received = await receive_raw(_chunks(upload), sink, upload.filename)
    return await pipeline.prepare(received, settings.attachments_clamd_url)


async def attach_media(
    session: AsyncSession,
    storage: Storage,
    prepared: pipeline.Prepared,
    principal: Principal,
    inquiry: Inquiry,
) -> uuid.UUID:
    stored = await pipeline.save(session, storage, prepared, principal, SERVICE)
    owner = Owner(
        SERVICE,
        "inquiry",
        inquiry.id,
        inquiry.organization_id,
        citizen_readable=True,
        public=True,  # Open311 requests are public: so is their photo
    )
    await attach(session, [stored.id], principal, owner)
    return stored.id


async def media_paths(
    session: AsyncSession, inquiry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The path of each inquiry's first public file (Open311 shows one `media_url`)."""
    found: dict[uuid.UUID, str] = {}
    for attachment in await records.owned_by(session, inquiry_ids):
        if attachment.public and attachment.owner_id is not None:
            found.setdefault(attachment.owner_id, content_path(attachment.id))
    return found


@asynccontextmanager
async def posted(request: Request) -> AsyncIterator[tuple[dict[str, str], UploadFile | None]]:
    """The form's fields, and the file of its `media` (or `file`) part when it has one (open
    while the request is handled)."""
    fields = dict(request.query_params)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        async with request.form() as form:
            fields.update({k: v for k, v in form.multi_items() if isinstance(v, str)})
            files = [
                v for k, v in form.multi_items() if k in MEDIA_FIELDS and isinstance(v, UploadFile)
            ]
            yield fields, files[0] if files else None
            return
    if await request.body():
        raise Open311Error(
            400,
            text(
                "أرسل الحقول بصيغة application/x-www-form-urlencoded",
                "Send the fields as application/x-www-form-urlencoded",
            ),
        )
    yield fields, None
