"""The demo photos: a few demo complaints carry a citizen's photo, GPS removed."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.common.db import build_engine, build_sessionmaker, session_scope
from services.inquiries.demo.attachments import attach_photos
from tests.attachments.conftest import Hub
from tests.attachments.test_journey import citizen_inquiry


@pytest.fixture
def storage_kind() -> str:
    return "local"


async def test_demo_complaints_get_photos(hub: Hub) -> None:
    receipts = [(await citizen_inquiry(hub, [])).json() for _ in range(2)]
    await hub.world.directory.conn.execute("UPDATE inquiry SET source = 'demo'")
    engine = build_engine(str(hub.settings.database_url), hub.settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            assert await attach_photos(session, hub.settings) == 2
    finally:
        await engine.dispose()
    for receipt in receipts:
        citizen = {"X-Tracking-Token": receipt["tracking_token"]}
        view = await hub.api.get(f"/v1/inquiries/track/{receipt['reference']}", headers=citizen)
        [photo] = view.json()["attachments"]
        assert photo["filename"].endswith(".jpg") and photo["content_type"] == "image/jpeg"
        content = await hub.api.get(photo["content_url"], headers=citizen)
        assert content.status_code == 200
        assert not Image.open(io.BytesIO(content.content)).getexif()
