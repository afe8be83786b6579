"""From a received upload to a stored attachment: metadata stripped, scanned, moved into
storage, recorded."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.attachments import repository, scanner
from services.common.attachments.models import Attachment
from services.common.attachments.references import uploader_of
from services.common.attachments.safety import IMAGE_TYPES, clean_filename, strip_metadata
from services.common.attachments.storage import Storage
from services.common.attachments.upload import Received
from services.common.auth import Principal

HASH_CHUNK = 1024 * 1024


@dataclass
class Prepared:
    """An upload ready to store: its final bytes in a spool file."""

    path: Path
    size: int
    sha256: str
    content_type: str
    filename: str
    metadata_removed: bool
    scan: scanner.ScanResult
    # SHA-256 of the bytes as they were sent (before any metadata was removed)
    received_sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def caller_kind(principal: Principal | None) -> str:
    return "anonymous" if principal is None else principal.kind


async def prepare(received: Received, clamd_url: str | None) -> Prepared:
    """Cleans the name, strips an image's metadata (a new spool file, hashed again: the
    stored bytes are what `sha256` names) and scans the result. The spool file is deleted
    on any failure."""
    path = received.path
    try:
        filename = clean_filename(received.filename, received.content_type)
        size, sha256, removed = received.size, received.sha256, False
        if received.content_type in IMAGE_TYPES:
            clean = path.parent / f"clean-{uuid.uuid4().hex}"
            try:
                await asyncio.to_thread(strip_metadata, path, clean, received.content_type)
            except BaseException:
                clean.unlink(missing_ok=True)
                raise
            path.unlink(missing_ok=True)
            path = clean
            size, sha256 = await asyncio.to_thread(_digest, path)
            removed = True
        scan = await scanner.scan(clamd_url, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Prepared(
        path, size, sha256, received.content_type, filename, removed, scan, received.sha256
    )


async def save(
    session: AsyncSession,
    storage: Storage,
    prepared: Prepared,
    principal: Principal | None,
    service: str,
) -> Attachment:
    """Moves the bytes into storage and writes the record (and its audit entry) in the
    request's transaction."""
    attachment_id = uuid.uuid4()
    key = attachment_id.hex
    try:
        await storage.put(key, prepared.path)
    except BaseException:
        prepared.discard()
        raise
    attachment = Attachment(
        id=attachment_id,
        filename=prepared.filename,
        content_type=prepared.content_type,
        size=prepared.size,
        sha256=prepared.sha256,
        storage_key=key,
        uploader=uploader_of(principal),
        uploader_kind=caller_kind(principal),
        uploader_organization_id=principal.organization_id if principal else None,
        metadata_removed=prepared.metadata_removed,
        scan_status=prepared.scan.status,
        scan_detail=prepared.scan.detail,
    )
    try:
        await repository.add(session, attachment)
        await audit.record(
            session,
            service=service,
            principal=principal,
            action="upload",
            resource_type="attachment",
            resource_id=attachment.id,
            organization_id=attachment.uploader_organization_id,
            changes={
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
        await session.flush()
    except BaseException:
        await storage.delete(key)
        raise
    return attachment
