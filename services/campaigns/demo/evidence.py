"""Demo evidence: the first completed demo milestone proves itself with a file — a one-page
handover record (a PDF drawn here) — so a newcomer sees evidence on a milestone, listed
with `GET /v1/attachments?owner_id=<milestone id>` and downloaded by the initiative's
organization tree.

The file goes through the upload pipeline (sniffed, cleaned, stored, recorded) as the
demo's system user's upload, and is cited by the milestone's completion as a user's would be.
"""

from __future__ import annotations

import io
import uuid

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.attachments import pipeline
from services.common.attachments.storage import Storage, build_storage, spool_dir
from services.common.attachments.upload import SpoolSink
from services.common.auth import Principal
from services.common.settings import GovhubSettings

FILENAME = "محضر تسليم المرحلة.pdf"


def handover_record() -> bytes:
    """A one-page PDF: a form with a signature line and a stamp (drawn, no text to shape)."""
    page = Image.new("RGB", (595, 842), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, 555, 110), outline=(0, 96, 57), width=4)
    for y in range(160, 560, 40):
        draw.line((60, y, 535, y), fill=(200, 200, 200), width=2)
    draw.line((320, 700, 535, 700), fill=(0, 0, 0), width=2)
    draw.ellipse((80, 640, 200, 760), outline=(0, 96, 57), width=5)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72.0)
    return out.getvalue()


async def upload_evidence(
    session: AsyncSession, settings: GovhubSettings, principal: Principal
) -> list[uuid.UUID]:
    """Stores the handover record as `principal`'s upload; returns its id in a list (to
    cite)."""
    storage: Storage = build_storage(settings)
    await storage.open()
    try:
        sink = SpoolSink(spool_dir(settings), settings.attachments_max_bytes_staff, "staff")
        sink.write(handover_record())
        received = sink.finish(FILENAME)
        prepared = await pipeline.prepare(received, None)
        stored = await pipeline.save(session, storage, prepared, principal, "campaigns")
    finally:
        await storage.close()
    return [stored.id]
