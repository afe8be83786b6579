"""WhatsApp Cloud API in and out, against a fake Graph API on loopback: the handshake,
signatures, inbound messages opening or continuing inquiries once per message id, staff's
replies sent back by the worker's jobs, and delivery statuses on the inquiry's history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

import services.inquiries.handlers  # noqa: F401 - registers the WhatsApp handlers and job
from govhub.worker import deliver
from services.common.attachments.storage import build_storage
from services.common.models import OutboxEvent
from services.common.outbox import JOBS, JobContext
from services.inquiries.app import create_app
from services.inquiries.models import Inquiry, Message, WhatsAppMessage
from services.inquiries.whatsapp import media as whatsapp_media
from services.inquiries.whatsapp import service as whatsapp
from tests.attachments.conftest import EXECUTABLE, jpeg_with_gps, pdf_bytes
from tests.inquiries.factories import build_world
from tests.integrations.fake_graph import FakeGraph, Media
from tests.integrations.whatsapp_payloads import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WA_ID,
    message,
    signed,
    status,
    text_message,
)

HOOK = "/v1/channels/whatsapp/webhook"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(settings, graph):
    return settings.model_copy(
        update={
            "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_app_secret": APP_SECRET,
            "whatsapp_access_token": ACCESS_TOKEN,
            "whatsapp_graph_url": graph.url,
            "outbox_max_attempts": 2,
        }
    )


@pytest.fixture
async def hub(settings, make_client):
    client = await make_client(create_app)
    world = await build_world(settings)
    await world.directory.conn.execute(
        "UPDATE directory_channel SET handle = $1 WHERE id = $2",
        PHONE_NUMBER_ID,
        world.channels["whatsapp@R"],
    )
    try:
        yield client, world
    finally:
        await world.directory.close()


async def post(client, body: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await client.post(HOOK, content=body, headers=headers or signed(body))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def rows(client, model, *where) -> list[Any]:
    async with client.app.state.sessionmaker() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def count(client, model) -> int:
    async with client.app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def run_outbox(client, settings) -> None:
    """Delivers every pending outbox event (as the worker would), then sends every queued
    WhatsApp message through the fake Graph API."""
    sessionmaker = client.app.state.sessionmaker
    for event in await rows(client, OutboxEvent, OutboxEvent.status == "pending"):
        assert await deliver(sessionmaker, event.id, settings) == "delivered"
    for queued in await rows(client, WhatsAppMessage, WhatsAppMessage.status == "queued"):
        await whatsapp.send(sessionmaker, settings, queued.id)


async def test_the_verification_handshake(hub, make_client):
    client, _ = hub
    ok = await client.get(
        HOOK,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
    )
    assert ok.status_code == 200 and ok.text == "42"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = await client.get(
        HOOK, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42"}
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "forbidden"
    unconfigured = await make_client(create_app, whatsapp_verify_token=None)
    response = await unconfigured.get(HOOK, params={"hub.mode": "subscribe"})
    assert response.status_code == 503


async def test_a_bad_signature_is_refused_and_nothing_is_stored(hub):
    client, _ = hub
    body = text_message("wamid.A1", "مرحبا")
    for headers in (
        {"Content-Type": "application/json"},
        signed(body, "another-secret"),
        signed(body + b" "),
        {"X-Hub-Signature-256": "sha256=zz", "Content-Type": "application/json"},
    ):
        response = await client.post(HOOK, content=body, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "invalid_signature"
    assert await count(client, Inquiry) == 0
    assert await count(client, WhatsAppMessage) == 0


async def test_messages_open_and_continue_an_inquiry_once_each(hub, settings):
    client, world = hub
    first = text_message("wamid.A1", "أعمدة الإنارة في شارعنا معطلة منذ أسبوع")
    assert (await post(client, first))["created"] == 1
    (inquiry,) = await rows(client, Inquiry)
    assert inquiry.channel == "whatsapp" and inquiry.organization_id == world.orgs["R"]
    assert inquiry.body == "أعمدة الإنارة في شارعنا معطلة منذ أسبوع"
    assert inquiry.contact_phone == "+" + WA_ID and inquiry.contact_name == "محمد"
    # Meta redelivers: nothing changes
    assert (await post(client, first))["duplicate"] == 1
    assert await count(client, Inquiry) == 1

    photo = message(
        "wamid.A2", "image", {"id": "MEDIA-1", "mime_type": "image/jpeg", "caption": "صورة العمود"}
    )
    assert (await post(client, photo))["continued"] == 1
    place = message(
        "wamid.A3", "location", {"latitude": 24.71, "longitude": 46.67, "name": "حي النزهة"}
    )
    assert (await post(client, place))["continued"] == 1
    assert await count(client, Inquiry) == 1
    texts = [m.body for m in await rows(client, Message, Message.inquiry_id == inquiry.id)]
    assert sorted(texts) == sorted(["[صورة] صورة العمود", "[موقع] حي النزهة"])
    (media,) = await rows(client, WhatsAppMessage, WhatsAppMessage.wamid == "wamid.A2")
    assert media.media_id == "MEDIA-1" and media.media_type == "image/jpeg"

    # another citizen: another inquiry; a location alone opens one with its coordinates
    other = message(
        "wamid.B1",
        "location",
        {"latitude": 26.4, "longitude": 50.1, "address": "الخبر"},
        wa_id="966555000111",
    )
    assert (await post(client, other))["created"] == 1
    (second,) = await rows(client, Inquiry, Inquiry.id != inquiry.id)
    assert (second.location_lat, second.location_long) == (26.4, 50.1)

    # a resolved inquiry is not continued: the next message opens a new one
    staff = world.auth("agent@R")
    for action, body in (
        ("messages", {"visibility": "public", "body": "نعمل على الإصلاح"}),
        ("resolve", {"resolution": "تم الإصلاح"}),
    ):
        response = await client.post(
            f"/v1/inquiries/{inquiry.id}/{action}", headers=staff, json=body
        )
        assert response.status_code in (200, 201), response.text
    assert (await post(client, text_message("wamid.A4", "شكراً")))["created"] == 1
    assert await count(client, Inquiry) == 3


async def test_a_message_to_an_unknown_number_is_kept_but_opens_nothing(hub):
    client, _ = hub
    body = text_message("wamid.X1", "مرحبا", phone_number_id="999")
    assert (await post(client, body))["unrouted"] == 1
    assert await count(client, Inquiry) == 0
    assert (await post(client, body))["duplicate"] == 1


async def test_staff_replies_go_back_on_whatsapp_with_their_delivery_status(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    await post(client, text_message("wamid.A1", "متى يبدأ التسجيل في برنامج الإسكان؟"))
    (inquiry,) = await rows(client, Inquiry)
    staff = world.auth("agent@R")
    reply = "يبدأ التسجيل يوم الأحد القادم عبر المنصة"
    response = await client.post(
        f"/v1/inquiries/{inquiry.id}/messages",
        headers=staff,
        json={"visibility": "public", "body": reply},
    )
    assert response.status_code == 201, response.text
    note = await client.post(
        f"/v1/inquiries/{inquiry.id}/messages",
        headers=staff,
        json={"visibility": "internal", "body": "ملاحظة داخلية لا تُرسل"},
    )
    assert note.status_code == 201
    await run_outbox(client, settings)
    await run_outbox(client, settings)  # a second run sends nothing again

    assert [s.path for s in graph.sent] == [f"/v21.0/{PHONE_NUMBER_ID}/messages"] * 2
    assert all(s.authorization == f"Bearer {ACCESS_TOKEN}" for s in graph.sent)
    receipt, answer = (s.body for s in graph.sent)
    assert inquiry.reference in receipt["text"]["body"]
    assert answer == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"preview_url": False, "body": reply},
    }
    (sent,) = await rows(client, WhatsAppMessage, WhatsAppMessage.source.like("reply:%"))
    assert sent.status == "sent" and sent.wamid == "wamid.OUT2"

    assert (await post(client, status("wamid.OUT2", "read")))["statuses"] == 1
    assert (await post(client, status("wamid.OUT2", "delivered")))["statuses"] == 1  # late
    (sent,) = await rows(client, WhatsAppMessage, WhatsAppMessage.id == sent.id)
    assert sent.status == "read"
    history = await client.get(f"/v1/inquiries/{inquiry.id}/history", headers=staff)
    assert history.status_code == 200, history.text
    deliveries = [
        e["details"]["status"]
        for e in history.json()["items"]
        if e["action"] == "channel_delivery" and e["details"]["whatsapp_message_id"] == str(sent.id)
    ]
    assert sorted(deliveries) == ["read", "sent"]


async def test_a_failing_graph_api_is_retried_then_the_message_fails(
    hub, settings, graph: FakeGraph
):
    client, _ = hub
    graph.status = 503
    await post(client, text_message("wamid.A1", "استفسار"))
    await run_outbox(client, settings)  # attempt 1 fails, a retry is queued
    (queued,) = await rows(client, WhatsAppMessage, WhatsAppMessage.direction == "out")
    assert queued.status == "queued" and queued.attempts == 1 and "503" in (queued.error or "")
    sessionmaker = client.app.state.sessionmaker
    assert await whatsapp.send(sessionmaker, settings, queued.id) == "failed"
    assert await whatsapp.send(sessionmaker, settings, queued.id) == "failed"
    assert len(graph.sent) == 2


async def test_without_an_access_token_the_message_is_logged(hub, settings, graph: FakeGraph):
    client, _ = hub
    quiet = settings.model_copy(update={"whatsapp_access_token": None})
    await post(client, text_message("wamid.L1", "استفسار عن موعد"))
    sessionmaker = client.app.state.sessionmaker
    for event in await rows(client, OutboxEvent, OutboxEvent.status == "pending"):
        await deliver(sessionmaker, event.id, quiet)
    (queued,) = await rows(client, WhatsAppMessage, WhatsAppMessage.direction == "out")
    assert await whatsapp.send(sessionmaker, quiet, queued.id) == "logged"
    assert graph.sent == []


# ------------------------------------------------------------------ the 24-hour window


async def age_conversation(client, hours: float) -> None:
    """As if the citizen's messages had come `hours` ago."""
    async with client.app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(WhatsAppMessage)
            .where(WhatsAppMessage.direction == "in")
            .values(created_at=func.now() - timedelta(hours=hours))
        )


async def reply(client, world, inquiry_id, text: str) -> None:
    response = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=world.auth("agent@R"),
        json={"visibility": "public", "body": text},
    )
    assert response.status_code == 201, response.text


async def test_outside_the_24_hour_window_a_reply_goes_as_the_approved_template(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    await post(client, text_message("wamid.W1", "متى تفتح بلدية العليا أبوابها؟"))
    (inquiry,) = await rows(client, Inquiry)
    await run_outbox(client, settings)
    assert graph.sent[-1].body["type"] == "text"  # the receipt, within the window

    # 23 hours later: still free text
    await age_conversation(client, 23)
    await reply(client, world, inquiry.id, "من الثامنة صباحاً")
    await run_outbox(client, settings)
    assert graph.sent[-1].body["type"] == "text"
    assert graph.sent[-1].body["text"]["body"] == "من الثامنة صباحاً"

    # 25 hours after the citizen's last message: the hub's default template
    await age_conversation(client, 25)
    await reply(client, world, inquiry.id, "تم تمديد الدوام:\nحتى الرابعة    عصراً")
    await run_outbox(client, settings)
    assert graph.sent[-1].body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "template",
        "template": {
            "name": "govhub_notification",
            "language": {"code": "ar"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "تم تمديد الدوام: — حتى الرابعة   عصراً"}
                    ],
                }
            ],
        },
    }

    # the municipality's own approved template, inherited by nothing here but set per event
    admin = world.auth("org_admin@R")
    key = f"/v1/inquiry-notification-templates/{world.orgs['R']}/replied/ar"
    bad = await client.put(key, headers=admin, json={"body": "{text}", "whatsapp_template": "A b"})
    assert bad.status_code == 422, bad.text
    put = await client.put(
        key, headers=admin, json={"body": "{text}", "whatsapp_template": "riyadh_reply"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["whatsapp_template"] == "riyadh_reply"
    child = f"/v1/inquiry-notification-templates/{world.orgs['A']}/replied/ar"
    assert (await client.get(child, headers=admin)).json()["whatsapp_template"] == "riyadh_reply"
    await reply(client, world, inquiry.id, "نعتذر عن التأخير")
    await run_outbox(client, settings)
    sent = graph.sent[-1].body
    assert sent["type"] == "template" and sent["template"]["name"] == "riyadh_reply"
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "نعتذر عن التأخير"
    templated = await rows(client, WhatsAppMessage, WhatsAppMessage.kind == "template")
    assert sorted(r.template for r in templated) == ["govhub_notification", "riyadh_reply"]
    assert all(r.status == "sent" for r in templated)
    history = await client.get(f"/v1/inquiries/{inquiry.id}/history", headers=world.auth("agent@R"))
    used = {
        e["details"].get("template")
        for e in history.json()["items"]
        if e["action"] == "channel_delivery"
    }
    assert {"govhub_notification", "riyadh_reply", None} <= used

    # the citizen writes again: the window opens again, free text once more
    await post(client, text_message("wamid.W2", "شكراً"))
    await reply(client, world, inquiry.id, "العفو")
    await run_outbox(client, settings)
    assert graph.sent[-1].body["type"] == "text"


async def test_when_meta_says_the_window_has_closed_the_template_goes_at_once(
    hub, settings, graph: FakeGraph
):
    client, _ = hub
    await post(client, text_message("wamid.W1", "Is the office open on Friday?"))
    graph.refuse_text = True  # Meta's clock: outside the window, ours: inside
    await run_outbox(client, settings)
    refused, templated = (s.body for s in graph.sent)
    assert refused["type"] == "text"
    assert templated["type"] == "template"
    assert templated["template"]["language"] == {"code": "en"}  # written in English
    (row,) = await rows(client, WhatsAppMessage, WhatsAppMessage.direction == "out")
    assert row.status == "sent" and row.attempts == 1
    assert row.kind == "template" and row.template == "govhub_notification"


# ------------------------------------------------------------------ inbound media


async def fetch_media(client, settings) -> list[str]:
    """Runs every queued `whatsapp.media` job as the worker would (through the registered
    job, payload and all); the statuses after."""
    sessionmaker = client.app.state.sessionmaker
    async with sessionmaker() as session:
        payloads = (
            await session.scalars(
                text(
                    "SELECT payload FROM common_pgqueuer WHERE entrypoint = :e ORDER BY id"
                ).bindparams(e=whatsapp_media.MEDIA_ENTRYPOINT)
            )
        ).all()
    context = JobContext(sessionmaker=sessionmaker, settings=settings)
    for payload in payloads:
        await JOBS[whatsapp_media.MEDIA_ENTRYPOINT](bytes(payload), context)
    return [
        r.media_status
        for r in await rows(client, WhatsAppMessage, WhatsAppMessage.media_id.is_not(None))
    ]


async def test_a_photo_and_a_document_become_attachments_of_the_inquiry(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    photo, document_bytes = jpeg_with_gps(), pdf_bytes()
    graph.media["MEDIA-PHOTO"] = Media(photo, "image/jpeg")
    graph.media["MEDIA-PDF"] = Media(document_bytes, "application/pdf")
    opened = message(
        "wamid.M1", "image", {"id": "MEDIA-PHOTO", "mime_type": "image/jpeg", "caption": "تسرب"}
    )
    assert (await post(client, opened))["created"] == 1
    document = message(
        "wamid.M2",
        "document",
        {"id": "MEDIA-PDF", "mime_type": "application/pdf", "filename": "فاتورة المياه.pdf"},
    )
    assert (await post(client, document))["continued"] == 1
    (inquiry,) = await rows(client, Inquiry)
    assert sorted(await fetch_media(client, settings)) == ["stored", "stored"]
    assert await fetch_media(client, settings) == ["stored", "stored"]  # a second run: nothing

    # media id → URL → bytes, each with the access token
    paths = [path for path, _ in graph.fetched]
    assert sorted(paths) == sorted(
        [
            "/v21.0/MEDIA-PHOTO",
            "/download/MEDIA-PHOTO?ext=1",
            "/v21.0/MEDIA-PDF",
            "/download/MEDIA-PDF?ext=1",
        ]
    )
    assert {auth for _, auth in graph.fetched} == {f"Bearer {ACCESS_TOKEN}"}

    staff = world.auth("agent@R")
    listed = await client.get(
        "/v1/attachments", params={"owner_id": str(inquiry.id)}, headers=staff
    )
    assert listed.status_code == 200, listed.text
    files = {f["content_type"]: f for f in listed.json()["items"]}
    assert set(files) == {"image/jpeg", "application/pdf"}
    assert files["application/pdf"]["filename"] == "فاتورة المياه.pdf"
    content = await client.get(
        f"/v1/attachments/{files['image/jpeg']['id']}/content", headers=staff
    )
    assert content.status_code == 200
    assert b"iPhone 15 Pro" in photo and b"iPhone 15 Pro" not in content.content  # EXIF gone
    pdf = await client.get(
        f"/v1/attachments/{files['application/pdf']['id']}/content", headers=staff
    )
    assert pdf.content == document_bytes
    # the photo opened the inquiry: it is the inquiry's; the document joined the message
    (opener,) = await rows(client, WhatsAppMessage, WhatsAppMessage.wamid == "wamid.M1")
    (joiner,) = await rows(client, WhatsAppMessage, WhatsAppMessage.wamid == "wamid.M2")
    assert str(opener.attachment_id) == files["image/jpeg"]["id"]
    assert str(joiner.attachment_id) == files["application/pdf"]["id"]
    timeline = await client.get(f"/v1/inquiries/{inquiry.id}/messages", headers=staff)
    cited = [a["id"] for m in timeline.json()["items"] for a in m.get("attachments", [])]
    assert cited == [files["application/pdf"]["id"]]
    history = await client.get(f"/v1/inquiries/{inquiry.id}/history", headers=staff)
    stored = [e["details"] for e in history.json()["items"] if e["action"] == "whatsapp_media"]
    assert sorted(d["status"] for d in stored) == ["stored", "stored"]


async def test_a_voice_note_is_kept_and_what_is_not_allowed_is_refused(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    voice = b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead" + bytes(range(256)) * 4
    graph.media["MEDIA-VOICE"] = Media(voice, "audio/ogg; codecs=opus")
    # an "image" that is a Windows executable, a document too large, a forged hash
    graph.media["MEDIA-EXE"] = Media(EXECUTABLE, "image/jpeg")
    graph.media["MEDIA-BIG"] = Media(pdf_bytes() + b"\x00" * 4096, "application/pdf", file_size=100)
    graph.media["MEDIA-BAD-HASH"] = Media(pdf_bytes(), "application/pdf", sha256="0" * 64)
    small = settings.model_copy(update={"whatsapp_media_max_bytes": len(pdf_bytes()) + 100})
    await post(
        client, message("wamid.V1", "audio", {"id": "MEDIA-VOICE", "mime_type": "audio/ogg"})
    )
    await post(client, message("wamid.V2", "image", {"id": "MEDIA-EXE", "mime_type": "image/jpeg"}))
    await post(
        client, message("wamid.V3", "document", {"id": "MEDIA-BIG", "mime_type": "application/pdf"})
    )
    await post(
        client,
        message("wamid.V4", "document", {"id": "MEDIA-BAD-HASH", "mime_type": "application/pdf"}),
    )
    await post(client, message("wamid.V5", "image", {"id": "MEDIA-GONE", "mime_type": "image/png"}))
    await fetch_media(client, small)
    by_wamid = {
        r.wamid: r for r in await rows(client, WhatsAppMessage, WhatsAppMessage.direction == "in")
    }
    assert by_wamid["wamid.V1"].media_status == "stored"
    assert by_wamid["wamid.V2"].media_status == "refused"
    assert (by_wamid["wamid.V2"].error or "").startswith("unsupported_type")
    assert by_wamid["wamid.V3"].media_status == "refused"
    assert (by_wamid["wamid.V3"].error or "").startswith("too_large")
    # Graph API trouble (a hash that does not match, a media id it does not know): retried
    for wamid in ("wamid.V4", "wamid.V5"):
        assert by_wamid[wamid].media_status == "pending" and by_wamid[wamid].attempts == 1
    sessionmaker = client.app.state.sessionmaker
    for wamid in ("wamid.V4", "wamid.V5"):  # outbox_max_attempts is 2 here
        assert await whatsapp_media.run(sessionmaker, small, by_wamid[wamid].id, None) == "failed"

    (inquiry,) = await rows(client, Inquiry)
    staff = world.auth("agent@R")
    listed = await client.get(
        "/v1/attachments", params={"owner_id": str(inquiry.id)}, headers=staff
    )
    (kept,) = listed.json()["items"]
    assert kept["content_type"] == "audio/ogg" and kept["filename"].endswith(".ogg")
    assert kept["size"] == len(voice)
    history = await client.get(f"/v1/inquiries/{inquiry.id}/history", headers=staff)
    outcomes = sorted(
        e["details"]["status"] for e in history.json()["items"] if e["action"] == "whatsapp_media"
    )
    assert outcomes == ["failed", "failed", "refused", "refused", "stored"]


async def test_without_an_access_token_media_are_not_fetched(hub, settings, graph: FakeGraph):
    client, _ = hub
    graph.media["MEDIA-PHOTO"] = Media(jpeg_with_gps(), "image/jpeg")
    await post(
        client, message("wamid.N1", "image", {"id": "MEDIA-PHOTO", "mime_type": "image/jpeg"})
    )
    quiet = settings.model_copy(update={"whatsapp_access_token": None})
    assert await fetch_media(client, quiet) == ["skipped"]
    assert graph.fetched == []


async def test_the_survey_invitation_follows_the_resolution_as_its_own_message(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    await post(client, text_message("wamid.S1", "الرصيف مكسور أمام المسجد"))
    (inquiry,) = await rows(client, Inquiry)
    await reply(client, world, inquiry.id, "سنرسل فريقاً")
    await run_outbox(client, settings)
    await age_conversation(client, 30)  # the survey goes after the window: as a template
    resolved = await client.post(
        f"/v1/inquiries/{inquiry.id}/resolve",
        headers=world.auth("agent@R"),
        json={"resolution": "تم إصلاح الرصيف"},
    )
    assert resolved.status_code == 200, resolved.text
    sent_before = len(graph.sent)
    await run_outbox(client, settings)
    # the resolution went; the invitation was waiting for it and is queued only now
    assert len(graph.sent) == sent_before + 1
    (survey,) = await rows(client, WhatsAppMessage, WhatsAppMessage.event == "survey")
    assert survey.status == "queued"
    await run_outbox(client, settings)
    await run_outbox(client, settings)  # nothing twice
    resolution, invitation = (s.body for s in graph.sent[sent_before:])
    parameter = resolution["template"]["components"][0]["parameters"][0]["text"]
    assert "تم إصلاح الرصيف" in parameter and "تقييم" not in parameter
    link = f"https://govhub.example/track/{inquiry.reference}?survey={inquiry.id}"
    invited = invitation["template"]["components"][0]["parameters"][0]["text"]
    assert invited.endswith(link) and "تقييمك" in invited
    (survey,) = await rows(client, WhatsAppMessage, WhatsAppMessage.event == "survey")
    assert survey.status == "sent" and survey.body is not None and survey.body.endswith(link)


async def test_a_storage_failure_keeps_nothing_and_the_fetch_is_tried_again(
    hub, settings, graph: FakeGraph, monkeypatch
):
    client, _ = hub
    graph.media["MEDIA-PHOTO"] = Media(jpeg_with_gps(), "image/jpeg")
    await post(
        client, message("wamid.F1", "image", {"id": "MEDIA-PHOTO", "mime_type": "image/jpeg"})
    )

    class Full:
        name = "full"

        async def open(self) -> None:
            return None

        async def close(self) -> None:
            return None

        async def put(self, key, source) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(whatsapp_media, "build_storage", lambda _settings: Full())
    (row,) = await rows(client, WhatsAppMessage, WhatsAppMessage.wamid == "wamid.F1")
    sessionmaker = client.app.state.sessionmaker
    assert await whatsapp_media.run(sessionmaker, settings, row.id, None) == "pending"
    (row,) = await rows(client, WhatsAppMessage, WhatsAppMessage.id == row.id)
    assert row.attempts == 1 and "No space left" in (row.error or "")
    assert list((settings.resolved_data_dir / "attachments" / "spool").glob("*")) == []
    monkeypatch.setattr(whatsapp_media, "build_storage", build_storage)  # the real one
    assert await whatsapp_media.run(sessionmaker, settings, row.id, None) == "stored"
