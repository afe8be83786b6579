"""Done-when of the attachments: through the gateway, on local storage and on S3."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from PIL import Image

from tests.attachments.conftest import EXECUTABLE, Hub, jpeg_with_gps, pdf_bytes
from tests.inquiries.conftest import problem

PHOTO_NAME = "صورة الحفرة.jpg"


async def upload(
    hub: Hub, data: bytes, name: str | None = PHOTO_NAME, who: str | None = None, **headers: str
) -> Any:
    params = {"filename": name} if name is not None else {}
    return await hub.api.post(
        "/v1/attachments",
        content=data,
        params=params,
        headers={"Content-Type": "image/jpeg", **hub.world.auth(who), **headers},
    )


async def citizen_inquiry(hub: Hub, attachment_ids: list[str]) -> Any:
    return await hub.api.post(
        "/v1/inquiries",
        json={
            "kind": "complaint",
            "channel": "whatsapp",
            "subject": "حفرة خطيرة في الطريق",
            "body": "توجد حفرة عميقة أمام المدرسة، أرفقت صورة.",
            "organization_id": str(hub.world.orgs["R"]),
            "attachment_ids": attachment_ids,
        },
    )


async def count_rows(hub: Hub, table: str) -> int:
    return int(await hub.world.directory.conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_citizen_photo_end_to_end(hub: Hub) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is there

    # an anonymous citizen uploads a photo
    uploaded = await upload(hub, original)
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    assert meta["filename"] == PHOTO_NAME
    assert meta["content_type"] == "image/jpeg"
    assert meta["metadata_removed"] is True and meta["attached"] is False
    assert uploaded.headers["location"] == f"/v1/attachments/{meta['id']}"

    # … and submits an inquiry with it
    created = await citizen_inquiry(hub, [meta["id"]])
    assert created.status_code == 201, created.text
    receipt = created.json()
    assert receipt["attachment_ids"] == [meta["id"]]
    token, reference = receipt["tracking_token"], receipt["reference"]

    # staff of the organization download it: the bytes the upload described, GPS gone
    staff = hub.world.auth("agent@R")
    content = await hub.api.get(meta["content_url"], headers=staff)
    assert content.status_code == 200, content.text
    assert hashlib.sha256(content.content).hexdigest() == meta["sha256"]
    assert len(content.content) == meta["size"]
    assert content.headers["etag"] == f'"{meta["sha256"]}"'
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%A9" in content.headers["content-disposition"]
    served = Image.open(io.BytesIO(content.content))
    assert served.size == (64, 48)
    assert not served.getexif()  # no EXIF at all: no GPS, no device
    assert b"iPhone" not in content.content and b"device-serial" not in content.content
    # staff of a parent see it too; the metadata says it is attached now
    parent = await hub.api.get(
        f"/v1/attachments/{meta['id']}", headers=hub.world.auth("org_admin@M")
    )
    assert parent.status_code == 200 and parent.json()["attached"] is True

    # a sibling organization's staff get 404, for the metadata and the bytes
    sibling = hub.world.auth("agent@S")
    problem(await hub.api.get(meta["content_url"], headers=sibling), 404, "not_found")
    problem(await hub.api.get(f"/v1/attachments/{meta['id']}", headers=sibling), 404)
    # nobody anonymous, nor a wrong token
    problem(await hub.api.get(meta["content_url"]), 404)
    problem(await hub.api.get(meta["content_url"], headers={"X-Tracking-Token": "x" * 32}), 404)

    # the citizen reads it with the tracking token, and the tracking view lists it
    citizen = {"X-Tracking-Token": token}
    mine = await hub.api.get(meta["content_url"], headers=citizen)
    assert mine.status_code == 200 and mine.content == content.content
    view = await hub.api.get(f"/v1/inquiries/track/{reference}", headers=citizen)
    assert view.status_code == 200
    assert [a["id"] for a in view.json()["attachments"]] == [meta["id"]]

    # the photo cannot be given to anything else now
    again = await citizen_inquiry(hub, [meta["id"]])
    problem(again, 422, "attachment_unavailable", "attachment_ids")


async def test_answers_cite_documents(hub: Hub) -> None:
    created = await citizen_inquiry(hub, [])
    assert created.status_code == 201, created.text
    receipt = created.json()
    citizen = {"X-Tracking-Token": receipt["tracking_token"]}
    staff = hub.world.auth("agent@R")

    # a public reply cites a PDF sent as multipart with an Arabic name
    document = pdf_bytes()
    answer = await hub.api.post(
        "/v1/attachments",
        files={"file": ("رد الأمانة.pdf", document, "application/pdf")},
        headers=staff,
    )
    assert answer.status_code == 201, answer.text
    note = await upload(hub, pdf_bytes(), "مذكرة داخلية.pdf", "agent@R")
    assert note.status_code == 201, note.text
    reply = await hub.api.post(
        f"/v1/inquiries/{receipt['id']}/messages",
        json={
            "visibility": "public",
            "body": "مرفق رد الأمانة.",
            "attachment_ids": [answer.json()["id"]],
        },
        headers=staff,
    )
    assert reply.status_code == 201, reply.text
    assert [a["filename"] for a in reply.json()["attachments"]] == ["رد الأمانة.pdf"]
    internal = await hub.api.post(
        f"/v1/inquiries/{receipt['id']}/messages",
        json={"visibility": "internal", "body": "للاطلاع", "attachment_ids": [note.json()["id"]]},
        headers=staff,
    )
    assert internal.status_code == 201, internal.text

    # the timeline shows both to staff
    timeline = await hub.api.get(f"/v1/inquiries/{receipt['id']}/messages", headers=staff)
    cited = {m["visibility"]: [a["id"] for a in m["attachments"]] for m in timeline.json()["items"]}
    assert cited == {"public": [answer.json()["id"]], "internal": [note.json()["id"]]}

    # the citizen sees the public reply's document, never the internal note's
    view = await hub.api.get(f"/v1/inquiries/track/{receipt['reference']}", headers=citizen)
    [message] = view.json()["messages"]
    assert [a["id"] for a in message["attachments"]] == [answer.json()["id"]]
    pdf = await hub.api.get(answer.json()["content_url"], headers=citizen)
    assert pdf.status_code == 200 and pdf.content == document
    assert pdf.headers["content-disposition"].startswith("attachment;")  # never inline
    problem(await hub.api.get(note.json()["content_url"], headers=citizen), 404)

    # the citizen answers with a photo of their own
    photo = await upload(hub, jpeg_with_gps())
    answered = await hub.api.post(
        f"/v1/inquiries/track/{receipt['reference']}/messages",
        json={"body": "هذه صورة بعد يومين", "attachment_ids": [photo.json()["id"]]},
        headers=citizen,
    )
    assert answered.status_code == 201, answered.text
    assert [a["id"] for a in answered.json()["attachments"]] == [photo.json()["id"]]
    listed = await hub.api.get(
        "/v1/attachments", params={"owner_id": receipt["id"]}, headers=citizen
    )
    assert {a["id"] for a in listed.json()["items"]} == {answer.json()["id"], photo.json()["id"]}
    everything = await hub.api.get(
        "/v1/attachments", params={"owner_id": receipt["id"]}, headers=staff
    )
    assert len(everything.json()["items"]) == 3


async def test_bad_input_keeps_nothing(hub: Hub) -> None:
    before = await count_rows(hub, "common_attachment")

    # an executable renamed .jpg
    problem(await upload(hub, EXECUTABLE, "photo.jpg"), 415, "unsupported_attachment_type")
    # HTML or SVG never pass, whatever they claim
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    problem(await upload(hub, svg, "x.svg", Content_Type="image/svg+xml"), 415)
    # a citizen may not send an office document
    # an oversize body: refused by its declared length, before anything is stored
    limit = hub.settings.attachments_max_bytes_anonymous
    big = jpeg_with_gps() + b"\x00" * limit
    problem(await upload(hub, big), 413, "payload_too_large")

    # … and when it streams without a length, at the first byte past the limit
    async def chunks():
        yield jpeg_with_gps()
        for _ in range(limit // 65536 + 2):
            yield b"\x00" * 65536

    streamed = await hub.api.post("/v1/attachments", content=chunks(), params={"filename": "a.jpg"})
    problem(streamed, 413)
    # NUL in the file name
    problem(await upload(hub, jpeg_with_gps(), "a\x00.jpg"), 422, "validation_failed", "filename")
    # an empty file, and a multipart body without its `file`
    problem(await upload(hub, b""), 422)
    nofile = await hub.api.post("/v1/attachments", files={"other": ("a.jpg", jpeg_with_gps())})
    problem(nofile, 422, field="file")
    assert await count_rows(hub, "common_attachment") == before

    # a reference to someone else's attachment: nothing of the request is kept
    inquiries = await count_rows(hub, "inquiry")
    staff_upload = await upload(hub, jpeg_with_gps(), who="agent@R")
    assert staff_upload.status_code == 201
    refused = await citizen_inquiry(hub, [staff_upload.json()["id"]])
    problem(refused, 422, "attachment_unavailable", "attachment_ids")
    other_staff = await hub.api.post(
        "/v1/inquiries",
        json={
            "kind": "complaint",
            "channel": "whatsapp",
            "subject": "s",
            "body": "b",
            "organization_id": str(hub.world.orgs["S"]),
            "attachment_ids": [staff_upload.json()["id"]],
        },
        headers=hub.world.auth("agent@S"),
    )
    problem(other_staff, 422, "attachment_unavailable")
    assert await count_rows(hub, "inquiry") == inquiries
    # an unreferenced upload: its uploader reads it, nobody else
    own = await hub.api.get(staff_upload.json()["content_url"], headers=hub.world.auth("agent@R"))
    assert own.status_code == 200
    problem(
        await hub.api.get(
            staff_upload.json()["content_url"], headers=hub.world.auth("org_admin@R")
        ),
        404,
    )
