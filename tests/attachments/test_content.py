"""Serving: ETag, Range, Content-Disposition; the upload's Idempotency-Key; the sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.attachments import sweep
from services.common.attachments.content import content_disposition, parse_range
from services.common.attachments.safety import clean_filename
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.errors import DomainError
from tests.attachments.conftest import Hub, pdf_bytes
from tests.inquiries.conftest import problem


async def test_ranges_and_entity_tags(hub: Hub) -> None:
    document = pdf_bytes() * 3  # still a PDF by its first bytes
    staff = hub.world.auth("agent@R")
    uploaded = await hub.api.post(
        "/v1/attachments",
        content=document,
        params={"filename": "تقرير.pdf"},
        headers={"Content-Type": "application/octet-stream", **staff},
    )
    assert uploaded.status_code == 201, uploaded.text
    url, tag = uploaded.json()["content_url"], f'"{uploaded.json()["sha256"]}"'
    assert uploaded.json()["metadata_removed"] is False and uploaded.json()["size"] == len(document)

    part = await hub.api.get(url, headers={"Range": "bytes=10-19", **staff})
    assert part.status_code == 206 and part.content == document[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(document)}"
    tail = await hub.api.get(url, headers={"Range": "bytes=-7", **staff})
    assert tail.status_code == 206 and tail.content == document[-7:]
    rest = await hub.api.get(url, headers={"Range": f"bytes={len(document) - 3}-", **staff})
    assert rest.content == document[-3:]
    outside = await hub.api.get(url, headers={"Range": f"bytes={len(document)}-", **staff})
    problem(outside, 416, "range_not_satisfiable")
    assert outside.headers["content-range"] == f"bytes */{len(document)}"
    # a stale If-Range: the whole file
    stale = await hub.api.get(url, headers={"Range": "bytes=0-1", "If-Range": '"old"', **staff})
    assert stale.status_code == 200 and stale.content == document
    # If-None-Match with the current tag: 304
    same = await hub.api.get(url, headers={"If-None-Match": tag, **staff})
    assert same.status_code == 304 and same.content == b""
    disposition = same.headers["content-disposition"]
    arabic = "%D8%AA%D9%82%D8%B1%D9%8A%D8%B1"
    assert disposition == f"attachment; filename=\"attachment.pdf\"; filename*=UTF-8''{arabic}.pdf"


async def test_upload_idempotency_key(hub: Hub) -> None:
    staff = {"Idempotency-Key": "upload-1", **hub.world.auth("agent@R")}
    body: dict[str, Any] = {
        "content": pdf_bytes(),
        "params": {"filename": "a.pdf"},
        "headers": staff,
    }
    first = await hub.api.post("/v1/attachments", **body)
    again = await hub.api.post("/v1/attachments", **body)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await hub.api.post(
        "/v1/attachments", content=pdf_bytes(2) + b"%", params={"filename": "a.pdf"}, headers=staff
    )
    problem(other, 409, "idempotency_key_reused")
    count = await hub.world.directory.conn.fetchval("SELECT count(*) FROM common_attachment")
    assert count == 1


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_the_sweep_deletes_what_nobody_referenced(hub: Hub) -> None:
    staff = hub.world.auth("agent@R")
    kept = await hub.api.post(
        "/v1/attachments", content=pdf_bytes(), params={"filename": "a.pdf"}, headers=staff
    )
    old = await hub.api.post(
        "/v1/attachments", content=pdf_bytes(), params={"filename": "b.pdf"}, headers=staff
    )
    conn = hub.world.directory.conn
    await conn.execute(
        "UPDATE common_attachment SET created_at = now() - interval '25 hours' WHERE id = $1",
        uuid.UUID(old.json()["id"]),
    )
    storage = hub.service.state.attachment_storage
    engine = build_engine(str(hub.settings.database_url), hub.settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            swept = await sweep.sweep_with(session, storage, hub.settings, datetime.now(UTC))
    finally:
        await engine.dispose()
    assert swept == 1
    problem(await hub.api.get(old.json()["content_url"], headers=staff), 404)
    assert (await hub.api.get(kept.json()["content_url"], headers=staff)).status_code == 200
    key = uuid.UUID(old.json()["id"]).hex
    assert not (storage.root / key[:2] / key).exists()
    # a day later the other goes too, unless something referenced it
    later = datetime.now(UTC) + timedelta(hours=25)
    engine = build_engine(str(hub.settings.database_url), hub.settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            assert await sweep.sweep_with(session, storage, hub.settings, later) == 1
    finally:
        await engine.dispose()


def test_file_names() -> None:
    assert clean_filename("صورة الحفرة.jpg", "image/jpeg") == "صورة الحفرة.jpg"
    assert clean_filename("C:\\Users\\x\\..\\evil.jpeg", "image/jpeg") == "evil.jpeg"
    assert clean_filename("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert clean_filename("invoice\u202efdp.exe", "application/pdf") == "invoicefdp.exe.pdf"
    assert clean_filename("  .hidden  ", "image/png") == "hidden.png"
    assert clean_filename(None, "image/png") == "attachment.png"
    assert clean_filename("ملف" * 100 + ".pdf", "application/pdf").endswith(".pdf")
    assert len(clean_filename("ملف" * 100 + ".pdf", "application/pdf")) <= 200
    with pytest.raises(DomainError):
        clean_filename("a\x00.jpg", "image/jpeg")


def test_ranges_and_disposition_directly() -> None:
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=5-100", 10) == (5, 9)
    assert parse_range("bytes=-3", 10) == (7, 9)
    assert parse_range("bytes=0-1,4-5", 10) is None  # several ranges: the whole file
    assert parse_range("items=0-1", 10) is None
    assert parse_range("bytes=5-2", 10) is None
    with pytest.raises(DomainError):
        parse_range("bytes=10-", 10)
    with pytest.raises(DomainError):
        parse_range("bytes=-0", 10)
    assert content_disposition('a"b;c.png', "image/png") == (
        "inline; filename=\"abc.png\"; filename*=UTF-8''a%22b%3Bc.png"
    )
    assert content_disposition("x.mp4", "video/mp4").startswith("attachment;")
