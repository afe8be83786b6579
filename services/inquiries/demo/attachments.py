"""Demo photos: a few of the demo complaints carry the citizen's photo (drawn here, with a
GPS position in its EXIF as a phone would write it, which the upload pipeline removes), so
a newcomer sees attachments in the staff timeline and the tracking view.

They go through the same pipeline as an upload (sniffed, stripped, stored, recorded) and are
attached as the citizen's, on the inquiry's public timeline. Loaded with the demo inquiries
(`demo.load_demo`), so once.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.attachments import pipeline
from services.common.attachments.references import attach
from services.common.attachments.storage import build_storage, spool_dir
from services.common.attachments.upload import SpoolSink
from services.common.settings import GovhubSettings
from services.inquiries.models import Inquiry
from services.inquiries.service.attachments import inquiry_owner

PHOTOS = 4
# where the demo phone says it was (Riyadh): never served, the pipeline removes it
GPS = {1: "N", 2: (24.0, 42.0, 49.0), 3: "E", 4: (46.0, 40.0, 31.0)}
NAMES = ("صورة الحفرة.jpg", "تسرب المياه.jpg", "إنارة معطلة.jpg", "مخلفات البناء.jpg")


def photo(number: int) -> bytes:
    """A road with a dark hole, as a phone's JPEG with camera and GPS EXIF."""
    image = Image.new("RGB", (640, 480), (150, 150, 150))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(90, 90, 95))
    draw.line((0, 390, 640, 390), fill=(230, 230, 230), width=6)
    x = 120 + 90 * number
    draw.ellipse((x, 320, x + 180, 380), fill=(35, 30, 28))
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"
    exif[0x0110] = "Model 7"
    exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


async def attach_photos(session: AsyncSession, settings: GovhubSettings) -> int:
    """Gives the first demo complaints (by reference) a photo each; returns how many."""
    inquiries = list(
        await session.scalars(
            select(Inquiry)
            .where(Inquiry.source == "demo", Inquiry.kind == "complaint")
            .order_by(Inquiry.reference)
            .limit(PHOTOS)
        )
    )
    if not inquiries:
        return 0
    storage = build_storage(settings)
    await storage.open()
    try:
        for number, inquiry in enumerate(inquiries):
            sink = SpoolSink(
                spool_dir(settings), settings.attachments_max_bytes_anonymous, "anonymous"
            )
            sink.write(photo(number))
            received = sink.finish(NAMES[number % len(NAMES)])
            prepared = await pipeline.prepare(received, None)
            stored = await pipeline.save(session, storage, prepared, None, "inquiries")
            await attach(
                session, [stored.id], None, inquiry_owner(inquiry.id, inquiry.organization_id)
            )
    finally:
        await storage.close()
    return len(inquiries)
