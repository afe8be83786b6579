"""Citizens' notifications: the reference, replies, requests for details and the resolution
by SMS (a fake HTTP gateway) or e-mail (aiosmtpd on loopback) as the channel says, in
Arabic or English, worded by the organization's templates, and opting out."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

import services.inquiries.handlers  # noqa: F401 - registers the handlers and jobs
from govhub.worker import deliver
from services.common.models import OutboxEvent
from services.inquiries.app import create_app
from services.inquiries.models import Notification, WhatsAppMessage
from services.inquiries.notifications import service as notifications
from services.inquiries.whatsapp import service as whatsapp
from tests.inquiries.factories import build_world
from tests.integrations.fake_graph import FakeGraph
from tests.integrations.receiver import Receiver
from tests.integrations.test_whatsapp import rows
from tests.integrations.whatsapp_payloads import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    signed,
    text_message,
)

PHONE = "+966501112233"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def sms() -> Iterator[Receiver]:
    gateway = Receiver().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(settings, mailbox, sms, graph):
    return settings.model_copy(
        update={
            "sms_gateway_url": sms.url,
            "sms_gateway_token": "sms-token",
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox[1],
            "smtp_starttls": False,
            "smtp_from": "noreply@riyadh.example",
            "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_app_secret": APP_SECRET,
            "whatsapp_access_token": ACCESS_TOKEN,
            "whatsapp_graph_url": graph.url,
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


async def run_worker_once(client, settings) -> None:
    sessionmaker = client.app.state.sessionmaker
    for event in await rows(client, OutboxEvent, OutboxEvent.status == "pending"):
        assert await deliver(sessionmaker, event.id, settings) == "delivered"
    for queued in await rows(client, Notification, Notification.status == "queued"):
        await notifications.send(sessionmaker, settings, queued.id)
    for queued in await rows(client, WhatsAppMessage, WhatsAppMessage.status == "queued"):
        await whatsapp.send(sessionmaker, settings, queued.id)


async def submit(client, world, **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "complaint",
        "channel": "phone",
        "organization_id": str(world.orgs["A"]),
        "subject": "حفرة في الطريق",
        "body": "توجد حفرة كبيرة في طريق الملك عبدالعزيز",
        "contact": {"name": "فهد", "phone": PHONE},
    }
    body.update(fields)
    response = await client.post("/v1/inquiries", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def staff_reply(client, world, inquiry_id: str, text: str, wait: bool = False) -> None:
    response = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=world.auth("agent@R"),
        json={"visibility": "public", "body": text, "await_citizen": wait},
    )
    assert response.status_code == 201, response.text


async def test_a_citizen_who_phoned_gets_sms_for_every_step(hub, settings, sms: Receiver):
    client, world = hub
    created = await submit(client, world)
    await run_worker_once(client, settings)
    await staff_reply(client, world, created["id"], "نرجو تحديد أقرب معلم", wait=True)
    await run_worker_once(client, settings)
    await staff_reply(client, world, created["id"], "سيتم الإصلاح غداً")
    resolved = await client.post(
        f"/v1/inquiries/{created['id']}/resolve",
        headers=world.auth("agent@R"),
        json={"resolution": "تم ردم الحفرة"},
    )
    assert resolved.status_code == 200, resolved.text
    await run_worker_once(client, settings)
    # the survey invitation waits for the resolution to have gone, then goes on its own
    (waiting,) = await rows(client, Notification, Notification.event == "survey")
    assert waiting.status == "queued" and len(sms.received) == 4
    await run_worker_once(client, settings)
    await run_worker_once(client, settings)  # nothing is sent twice

    texts = [r.payload["text"] for r in sms.received]
    assert len(texts) == 5, texts
    assert all(r.payload["to"] == PHONE and r.payload["from"] == "GOVHUB" for r in sms.received)
    assert all(r.headers["authorization"] == "Bearer sms-token" for r in sms.received)
    received, info, reply, resolution, survey = texts
    assert created["reference"] in received and "بلدية العليا" in received
    assert "نحتاج معلومات إضافية" in info and "نرجو تحديد أقرب معلم" in info
    assert "سيتم الإصلاح غداً" in reply
    assert "تم ردم الحفرة" in resolution and "تقييمك" not in resolution
    link = f"https://govhub.example/track/{created['reference']}?survey={created['id']}"
    assert "تقييمك" in survey and survey.endswith(link) and created["reference"] in survey
    history = await client.get(
        f"/v1/inquiries/{created['id']}/history", headers=world.auth("agent@R")
    )
    sent = [
        e["details"]
        for e in history.json()["items"]
        if e["action"] == "channel_delivery" and e["details"]["channel"] == "sms"
    ]
    assert len(sent) == 5 and {d["status"] for d in sent} == {"sent"}


async def test_the_survey_invitation_is_its_own_message_worded_per_organization(
    hub, settings, sms: Receiver
):
    client, world = hub
    admin = world.auth("org_admin@R")
    key = f"/v1/inquiry-notification-templates/{world.orgs['R']}/survey/ar"
    built_in = await client.get(key, headers=admin)
    assert built_in.status_code == 200 and "{link}" in built_in.json()["body"]
    without_link = await client.put(key, headers=admin, json={"body": "قيّم طلبك {reference}"})
    assert without_link.status_code == 422 and without_link.json()["errors"][0]["field"] == "body"
    wording = "شاركنا رأيك في خدمة {organization} لطلبك {reference}: {link}"
    assert (await client.put(key, headers=admin, json={"body": wording})).status_code == 200

    custom = settings.model_copy(
        update={"inquiries_survey_url": "https://balady.example/rate/{reference}"}
    )
    created = await submit(client, world)
    await staff_reply(client, world, created["id"], "سيتم الإصلاح غداً")
    resolved = await client.post(
        f"/v1/inquiries/{created['id']}/resolve",
        headers=world.auth("agent@R"),
        json={"resolution": "تم ردم الحفرة"},
    )
    assert resolved.status_code == 200, resolved.text
    for _ in range(3):
        await run_worker_once(client, custom)
    _, _, resolution, survey = (r.payload["text"] for r in sms.received)
    assert "تم ردم الحفرة" in resolution
    assert survey == (
        f"شاركنا رأيك في خدمة بلدية العليا لطلبك {created['reference']}: "
        f"https://balady.example/rate/{created['reference']}"
    )
    (row,) = await rows(client, Notification, Notification.event == "survey")
    assert row.status == "sent" and row.body == survey  # the record says what was sent


async def test_a_citizen_who_wrote_on_the_website_gets_an_email_in_english(hub, settings, mailbox):
    client, world = hub
    box, _ = mailbox
    created = await submit(
        client,
        world,
        channel="website",
        organization_id=str(world.orgs["M"]),
        subject="Broken street light",
        body="The street light in front of house 12 has been off for a week.",
        contact={"name": "John", "email": "john@example.com", "phone": PHONE},
    )
    await run_worker_once(client, settings)
    (message,) = box.messages
    assert message["To"] == "john@example.com"
    assert message["From"] == "noreply@riyadh.example"
    assert created["reference"] in message["Subject"]
    assert "We will let you know" in message.get_content()


async def test_organizations_word_their_notifications_and_children_inherit(
    hub, settings, sms: Receiver
):
    client, world = hub
    admin = world.auth("org_admin@R")
    key = f"/v1/inquiry-notification-templates/{world.orgs['R']}/received/ar"
    child = f"/v1/inquiry-notification-templates/{world.orgs['A']}/received/ar"
    built_in = await client.get(child, headers=admin)
    assert built_in.status_code == 200 and built_in.json()["source"] == "built_in"
    bad = await client.put(key, headers=admin, json={"body": "طلبك {reference} {phone}"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body"
    agent = await client.put(key, headers=world.auth("agent@R"), json={"body": "x {reference}"})
    assert agent.status_code == 403
    wording = "أمانة الرياض ترحب بك، طلبك رقم {reference}"
    put = await client.put(key, headers=admin, json={"body": wording})
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "own"
    inherited = await client.get(child, headers=admin)
    assert inherited.json()["source"] == "inherited"
    assert inherited.json()["inherited_from"] == str(world.orgs["R"])
    listed = await client.get("/v1/inquiry-notification-templates", headers=admin)
    assert [t["body"] for t in listed.json()["items"]] == [wording]

    created = await submit(client, world)
    await run_worker_once(client, settings)
    assert (
        sms.received[-1].payload["text"] == f"أمانة الرياض ترحب بك، طلبك رقم {created['reference']}"
    )

    gone = await client.delete(key, headers=admin)
    assert gone.status_code == 204
    assert (await client.get(child, headers=admin)).json()["source"] == "built_in"


async def test_a_citizen_who_opts_out_hears_nothing_more(hub, settings, sms: Receiver):
    client, world = hub
    created = await submit(client, world)
    await run_worker_once(client, settings)
    assert len(sms.received) == 1
    path = f"/v1/inquiries/track/{created['reference']}/opt-out"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers={"X-Tracking-Token": "wrong"})).status_code == 404
    token = {"X-Tracking-Token": created["tracking_token"]}
    assert (await client.post(path, headers=token)).status_code == 204
    await staff_reply(client, world, created["id"], "رد بعد إلغاء الاشتراك")
    another = await submit(client, world)  # the same number, another inquiry
    await run_worker_once(client, settings)
    assert len(sms.received) == 1
    statuses = {n.status for n in await rows(client, Notification) if n.event != "received"}
    statuses |= {
        n.status
        for n in await rows(client, Notification)
        if n.source == f"received:{another['id']}"
    }
    assert statuses == {"opted_out"}


async def test_stop_on_whatsapp_opts_the_number_out_and_start_in_again(
    hub, settings, graph: FakeGraph
):
    client, world = hub
    body = text_message("wamid.S1", "الإنارة معطلة في حينا")
    assert (
        await client.post("/v1/channels/whatsapp/webhook", content=body, headers=signed(body))
    ).json()["created"] == 1
    await run_worker_once(client, settings)
    assert len(graph.sent) == 1  # the receipt
    stop = text_message("wamid.S2", "إيقاف")
    answer = await client.post("/v1/channels/whatsapp/webhook", content=stop, headers=signed(stop))
    assert answer.json()["opted_out"] == 1
    (inquiry,) = [i for i in await rows(client, WhatsAppMessage) if i.inquiry_id][:1]
    await staff_reply(client, world, str(inquiry.inquiry_id), "رد لن يُرسل")
    await run_worker_once(client, settings)
    assert len(graph.sent) == 1
    # START (or «ابدأ») asks for them again: the next reply goes
    start = text_message("wamid.S3", "ابدأ")
    answer = await client.post(
        "/v1/channels/whatsapp/webhook", content=start, headers=signed(start)
    )
    assert answer.json()["opted_in"] == 1 and answer.json()["continued"] == 0
    await staff_reply(client, world, str(inquiry.inquiry_id), "رد بعد إعادة الاشتراك")
    await run_worker_once(client, settings)
    assert [s.body["text"]["body"] for s in graph.sent[1:]] == ["رد بعد إعادة الاشتراك"]


async def test_without_a_gateway_notifications_are_logged(hub, settings, caplog):
    client, world = hub
    quiet = settings.model_copy(update={"sms_gateway_url": None})
    created = await submit(client, world)
    sessionmaker = client.app.state.sessionmaker
    for event in await rows(client, OutboxEvent, OutboxEvent.status == "pending"):
        await deliver(sessionmaker, event.id, quiet)
    (queued,) = await rows(client, Notification)
    with caplog.at_level("INFO", logger="govhub.notifications"):
        assert await notifications.send(sessionmaker, quiet, queued.id) == "logged"
    assert created["reference"] in caplog.text and PHONE not in caplog.text
