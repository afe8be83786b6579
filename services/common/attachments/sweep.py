"""The worker's sweep: uploads that nothing referenced within the retention time are
deleted, bytes and record (`GOVHUB_ATTACHMENTS_RETENTION_HOURS`, default 24)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.attachments import repository
from services.common.attachments.storage import Storage, build_storage
from services.common.settings import GovhubSettings, get_settings

logger = logging.getLogger("govhub.attachments")
BATCH = 500


async def sweep_with(
    session: AsyncSession, storage: Storage, settings: GovhubSettings, now: datetime
) -> int:
    """Deletes one batch of expired uploads; returns how many. Rows another worker is
    sweeping are skipped (`SKIP LOCKED`), so replicas may run it at once."""
    cutoff = now - timedelta(hours=settings.attachments_retention_hours)
    expired = await repository.unreferenced_before(session, cutoff, BATCH)
    for attachment in expired:
        await storage.delete(attachment.storage_key)
        await repository.delete(session, attachment)
    return len(expired)


async def sweep_unreferenced(session: AsyncSession) -> int:
    """The periodic job (see `govhub.worker.PERIODIC`)."""
    settings = get_settings()
    storage = build_storage(settings)
    await storage.open()
    try:
        return await sweep_with(session, storage, settings, datetime.now(UTC))
    finally:
        await storage.close()
