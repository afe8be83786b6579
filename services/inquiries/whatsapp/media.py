"""A citizen's WhatsApp photo, voice note, video or document, fetched into an attachment.

The webhook carries only a media id. A `whatsapp.media` job (queued in the webhook's
transaction) asks the Graph API for the media's URL (`GET /{media-id}`), downloads it with
the access token into a spool file — bounded by `GOVHUB_WHATSAPP_MEDIA_MAX_BYTES`, its type
sniffed from the bytes and checked against what that kind of message may carry, its SHA-256
compared with Meta's — then the attachments pipeline strips an image's metadata, scans it
(ClamAV when configured) and stores it, and the file is attached to the inquiry the message
opened or to the citizen's message it became. Nothing is held in the database while the
file downloads; a second run of the job finds the row no longer `pending` and stores
nothing more. A refusal (too large, wrong type, infected, unreadable) is final; a failure
of the Graph API is retried with the outbox's backoff, then `failed`. Either way the
inquiry's history says so (`whatsapp_media`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.attachments import pipeline
from services.common.attachments.references import attach
from services.common.attachments.safety import SNIFF_BYTES, sniff
from services.common.attachments.storage import build_storage, spool_dir
from services.common.attachments.upload import Received
from services.common.errors import DomainError
from services.common.outbox import enqueue_job
from services.common.settings import GovhubSettings
from services.inquiries.models import Message, WhatsAppMessage
from services.inquiries.service.attachments import inquiry_owner, message_owner
from services.inquiries.service.inquiries import SERVICE, record_event
from services.inquiries.whatsapp import repository as repo
from services.inquiries.whatsapp.cloud import (
    AUDIO_EXTENSIONS,
    MEDIA_CONTENT_TYPES,
    media_url_allowed,
)

logger = logging.getLogger("govhub.whatsapp")

MEDIA_ENTRYPOINT = "whatsapp.media"
TIMEOUT_SECONDS = 60.0
CHUNK = 64 * 1024
HISTORY_ACTION = "whatsapp_media"


class Refused(Exception):
    """The file will never be taken (too large, a type that kind of message may not carry,
    infected, unreadable): `reason` is a stable word."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class Unavailable(Exception):
    """The Graph API did not give the file this time: tried again later."""


def job_payload(row_id: uuid.UUID, filename: str | None) -> bytes:
    return json.dumps({"id": str(row_id), "filename": filename}).encode()


async def queue_fetch(session: AsyncSession, row: WhatsAppMessage, filename: str | None) -> None:
    """Marks the incoming media message `pending` and queues its fetch, in the webhook's
    transaction (kinds the hub does not keep stay as they are)."""
    if row.media_id is None or row.kind not in MEDIA_CONTENT_TYPES or row.inquiry_id is None:
        return
    row.media_status = "pending"
    await enqueue_job(session, MEDIA_ENTRYPOINT, job_payload(row.id, filename))


@dataclass
class Download:
    path: Path
    size: int
    sha256: str
    content_type: str | None


def _auth(settings: GovhubSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.whatsapp_access_token}"}


async def _media_object(
    client: httpx.AsyncClient, settings: GovhubSettings, media_id: str
) -> dict[str, Any]:
    """The Graph API's media object: `url`, `mime_type`, `sha256`, `file_size`."""
    url = f"{settings.whatsapp_graph_url.rstrip('/')}/{media_id}"
    try:
        response = await client.get(url, headers=_auth(settings))
    except httpx.HTTPError as exc:
        raise Unavailable(f"media object: {type(exc).__name__}: {exc}") from exc
    if response.status_code // 100 != 2:
        raise Unavailable(f"media object: HTTP {response.status_code}: {response.text[:300]}")
    try:
        found = response.json()
    except ValueError as exc:
        raise Unavailable("media object: not JSON") from exc
    if not isinstance(found, dict) or not isinstance(found.get("url"), str):
        raise Unavailable("media object: no url")
    return found


class _Spool:
    """A spool file that counts, hashes and keeps the head of what is written to it."""

    def __init__(self, directory: Path, limit: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=directory, prefix="whatsapp-")
        self.path = Path(name)
        self.handle = os.fdopen(descriptor, "wb")
        self.limit = limit
        self.size = 0
        self.head = bytearray()
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise Refused("too_large", f"more than {self.limit} bytes")
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self.digest.update(chunk)
        self.handle.write(chunk)

    def finish(self) -> Download:
        self.handle.close()
        found = sniff(bytes(self.head)) if self.size else None
        return Download(self.path, self.size, self.digest.hexdigest(), found)

    def discard(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


async def _download(
    client: httpx.AsyncClient, settings: GovhubSettings, url: str, limit: int
) -> Download:
    """The bytes at `url` in a spool file: counted (stopped past `limit`), hashed, sniffed."""
    if not media_url_allowed(url, settings.whatsapp_graph_url):
        raise Unavailable(f"the media URL is not Meta's: {url[:200]}")
    spool = _Spool(spool_dir(settings), limit)
    try:
        async with client.stream("GET", url, headers=_auth(settings)) as response:
            if response.status_code // 100 != 2:
                raise Unavailable(f"media download: HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise Refused("too_large", f"{declared} bytes, more than {limit}")
            async for chunk in response.aiter_bytes(CHUNK):
                spool.write(chunk)
    except httpx.HTTPError as exc:
        spool.discard()
        raise Unavailable(f"media download: {type(exc).__name__}: {exc}") from exc
    except BaseException:
        spool.discard()
        raise
    return spool.finish()


def _filename(kind: str, given: str | None, content_type: str, media_id: str) -> str:
    if given:
        return given
    extension = AUDIO_EXTENSIONS.get(content_type, "")
    return f"whatsapp-{kind}-{media_id[-12:]}{extension}"


async def fetch(
    settings: GovhubSettings, kind: str, media_id: str, filename: str | None
) -> pipeline.Prepared:
    """The media, downloaded, checked and prepared for storage (see the module)."""
    limit = settings.whatsapp_media_max_bytes
    async with httpx.AsyncClient(
        timeout=TIMEOUT_SECONDS, trust_env=False, follow_redirects=False
    ) as client:
        found = await _media_object(client, settings, media_id)
        declared = found.get("file_size")
        if isinstance(declared, int) and declared > limit:
            raise Refused("too_large", f"{declared} bytes, more than {limit}")
        download = await _download(client, settings, found["url"], limit)
    try:
        allowed = MEDIA_CONTENT_TYPES.get(kind, frozenset())
        if download.size == 0:
            raise Refused("empty", "the file is empty")
        if download.content_type not in allowed:
            raise Refused(
                "unsupported_type",
                f"{download.content_type or 'unknown type'} in a {kind} message "
                f"(accepted: {', '.join(sorted(allowed))})",
            )
        expected = found.get("sha256")
        if isinstance(expected, str) and expected and expected.lower() != download.sha256:
            raise Unavailable("the file's SHA-256 is not the one the Graph API gave")
        received = Received(
            download.path,
            download.size,
            download.sha256,
            download.content_type,
            _filename(kind, filename, download.content_type, media_id),
        )
    except BaseException:
        download.path.unlink(missing_ok=True)
        raise
    try:
        return await pipeline.prepare(received, settings.attachments_clamd_url)
    except DomainError as exc:
        if exc.status >= 500:  # the scanner does not answer: later
            raise Unavailable(exc.code) from exc
        raise Refused(exc.code, str(exc)) from exc


async def _history(session: AsyncSession, row: WhatsAppMessage, details: dict[str, Any]) -> None:
    inquiry = await repo.inquiry(session, row.inquiry_id) if row.inquiry_id else None
    if inquiry is None:
        return
    await record_event(
        session,
        inquiry,
        HISTORY_ACTION,
        inquiry.status,
        datetime.now(UTC),
        actor_type="system",
        actor_id=None,
        details={"whatsapp_message_id": str(row.id), **details},
    )


async def _store(
    session: AsyncSession,
    settings: GovhubSettings,
    row: WhatsAppMessage,
    prepared: pipeline.Prepared,
) -> uuid.UUID | None:
    """Moves the prepared file into storage and gives it to the inquiry (the message
    opened it) or to the citizen's message on it."""
    inquiry = await repo.inquiry(session, row.inquiry_id) if row.inquiry_id else None
    if inquiry is None:
        prepared.discard()
        return None
    storage = build_storage(settings)
    await storage.open()
    try:
        attachment = await pipeline.save(session, storage, prepared, None, SERVICE)
    finally:
        await storage.close()
    message = await session.get(Message, row.message_id) if row.message_id else None
    owner = (
        message_owner(message, inquiry)
        if message is not None
        else inquiry_owner(inquiry.id, inquiry.organization_id)
    )
    await attach(session, [attachment.id], None, owner)
    return attachment.id


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: GovhubSettings,
    row_id: uuid.UUID,
    filename: str | None,
) -> str:
    """One attempt at fetching a pending media message; its `media_status` after."""
    async with sessionmaker() as session:
        row = await session.get(WhatsAppMessage, row_id)
        if row is None or row.media_status != "pending" or row.media_id is None:
            return _status_of(row)
        kind, media_id = row.kind, row.media_id
    if not settings.whatsapp_access_token:
        # no Meta app (as under `make run`): nothing can be fetched
        return await _finish(sessionmaker, row_id, "skipped", "no access token")
    try:
        prepared = await fetch(settings, kind, media_id, filename)
    except Refused as exc:
        logger.warning("whatsapp media %s refused: %s", media_id, exc)
        return await _finish(sessionmaker, row_id, "refused", f"{exc.reason}: {exc}")
    except Unavailable as exc:
        return await _retry(sessionmaker, settings, row_id, filename, str(exc))
    except Exception as exc:  # anything else (the spool disk, a bug): tried again later
        logger.exception("whatsapp media %s: unexpected failure", media_id)
        return await _retry(sessionmaker, settings, row_id, filename, repr(exc))
    try:
        return await _keep(sessionmaker, settings, row_id, prepared)
    except Exception as exc:  # the storage or the database failed: nothing was kept
        prepared.discard()
        logger.exception("whatsapp media %s not stored", media_id)
        return await _retry(sessionmaker, settings, row_id, filename, repr(exc))


async def _keep(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: GovhubSettings,
    row_id: uuid.UUID,
    prepared: pipeline.Prepared,
) -> str:
    """Stores the prepared file and records it, unless another run did meanwhile."""
    async with sessionmaker() as session, session.begin():
        row = await repo.lock(session, row_id)
        if row is None or row.media_status != "pending":
            prepared.discard()  # another run stored it meanwhile
            return _status_of(row)
        attachment_id = await _store(session, settings, row, prepared)
        row.attachment_id = attachment_id
        row.media_status = "stored" if attachment_id else "failed"
        row.error = None if attachment_id else "the inquiry is gone"
        row.updated_at = datetime.now(UTC)
        await _history(
            session,
            row,
            {
                "status": row.media_status,
                "attachment_id": str(attachment_id) if attachment_id else None,
                "content_type": prepared.content_type,
                "size": prepared.size,
            },
        )
        return row.media_status


def _status_of(row: WhatsAppMessage | None) -> str:
    if row is None:
        return "missing"
    return row.media_status or "none"


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession], row_id: uuid.UUID, status: str, why: str
) -> str:
    async with sessionmaker() as session, session.begin():
        row = await repo.lock(session, row_id)
        if row is None or row.media_status != "pending":
            return _status_of(row)
        row.media_status, row.error = status, why[:2000]
        row.updated_at = datetime.now(UTC)
        await _history(session, row, {"status": status, "error": why[:500]})
        return status


async def _retry(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: GovhubSettings,
    row_id: uuid.UUID,
    filename: str | None,
    why: str,
) -> str:
    async with sessionmaker() as session, session.begin():
        row = await repo.lock(session, row_id)
        if row is None or row.media_status != "pending":
            return _status_of(row)
        row.attempts += 1
        row.error = why[:2000]
        row.updated_at = datetime.now(UTC)
        if row.attempts >= settings.outbox_max_attempts:
            row.media_status = "failed"
            await _history(session, row, {"status": "failed", "error": why[:500]})
            logger.error("whatsapp media %s failed for good: %s", row.media_id, why)
            return row.media_status
        delay = min(settings.outbox_backoff_seconds * 2 ** (row.attempts - 1), 3600.0)
        await enqueue_job(session, MEDIA_ENTRYPOINT, job_payload(row.id, filename), delay)
        logger.warning(
            "whatsapp media %s not fetched (attempt %d): %s", row.media_id, row.attempts, why
        )
        return row.media_status
