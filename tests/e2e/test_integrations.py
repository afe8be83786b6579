"""Integrations through the gateway of a running hub (`govhub run`: services, worker,
gateway): a signed WhatsApp message opens an inquiry, a subscriber receives its
`inquiry.created` signed per Standard Webhooks (checked by the `standardwebhooks`
package), a staff reply reaches the fake Graph API, the same sender continues the same
inquiry, a redelivery changes nothing, and delivery statuses reach the history; after a
secret rotation deliveries verify with the old and the new secret; a photo sent on
WhatsApp becomes an attachment of the inquiry; a day later the resolution and then the
survey invitation with its link go as approved templates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.common.embedded import to_plain_url
from tests.attachments.conftest import jpeg_with_gps
from tests.database import DatabaseFactory
from tests.e2e.stack import Stack, start_stack
from tests.e2e.test_journeys import login, org_id
from tests.integrations.fake_graph import FakeGraph, Media
from tests.integrations.receiver import Received, Receiver
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

pytestmark = pytest.mark.e2e
HOOK = "/v1/channels/whatsapp/webhook"


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def hub(
    module_database: str, tmp_path_factory: pytest.TempPathFactory, graph: FakeGraph
) -> Iterator[Stack]:
    running = start_stack(
        module_database,
        tmp_path_factory.mktemp("hub") / "data",
        GOVHUB_WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        GOVHUB_WHATSAPP_APP_SECRET=APP_SECRET,
        GOVHUB_WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
        GOVHUB_WHATSAPP_GRAPH_URL=graph.url,
        GOVHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        # no demo inquiries: the subscriber and the Graph API see this test's traffic alone
        GOVHUB_DEMO_DATA="false",
    )
    yield running
    running.stop()


def eventually(check: Callable[[], object], seconds: float = 30) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("not within the time allowed")


def test_whatsapp_and_webhooks_end_to_end(
    hub: Stack, graph: FakeGraph, module_database: str
) -> None:
    receiver = Receiver().start()
    try:
        with httpx.Client(base_url=hub.base, timeout=15) as api:
            run(api, receiver, graph, module_database)
    finally:
        receiver.stop()


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


async def _age_conversations(database_url: str, hours: int) -> None:
    """As if the citizen's WhatsApp messages were `hours` old (past Meta's 24-hour window)."""
    conn = await asyncpg.connect(to_plain_url(database_url))
    try:
        await conn.execute(
            "UPDATE inquiry_whatsapp_message SET created_at = created_at - make_interval("
            "hours => $1) WHERE direction = 'in'",
            hours,
        )
    finally:
        await conn.close()


def run(api: httpx.Client, receiver: Receiver, graph: FakeGraph, database_url: str) -> None:
    handshake = api.get(
        HOOK,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "7"},
    )
    assert handshake.status_code == 200 and handshake.text == "7"
    admin = login(api, "riyadh.admin")
    riyadh = org_id(api, admin, "RIYADH")
    channel = api.post(
        "/v1/channels",
        headers=admin,
        json={
            "organization_id": riyadh,
            "kind": "whatsapp",
            "name_ar": "واتساب الأمانة",
            "handle": PHONE_NUMBER_ID,
        },
    )
    assert channel.status_code == 201, channel.text
    subscription = api.post(
        "/v1/webhooks",
        headers=admin,
        json={"url": receiver.url, "event_types": ["inquiry.*"], "organization_id": riyadh},
    )
    assert subscription.status_code == 201, subscription.text
    receiver.secret = subscription.json()["secret"]

    # a bad signature: 401, nothing stored
    body = text_message("wamid.E2E1", "الرصيف أمام المدرسة متكسر ويحتاج إلى صيانة")
    forged = api.post(HOOK, content=body, headers=signed(body, "not-the-secret"))
    assert forged.status_code == 401
    first = api.post(HOOK, content=body, headers=signed(body))
    assert first.status_code == 200 and first.json()["created"] == 1, first.text
    again = api.post(HOOK, content=body, headers=signed(body))
    assert again.json()["duplicate"] == 1

    def created() -> dict | None:
        for got in receiver.received:
            # the demo data's own inquiries are delivered too: ours came by WhatsApp
            if (
                got.payload
                and got.payload["type"] == "inquiry.created"
                and got.payload["data"]["channel"] == "whatsapp"
            ):
                return got.payload
        return None

    event = eventually(created, 120)
    assert isinstance(event, dict)
    assert all(r.verified for r in receiver.received), "standardwebhooks rejected a signature"
    assert event["data"]["channel"] == "whatsapp"
    assert WA_ID not in str(event) and "contact" not in event["data"]
    inquiry_id = event["data"]["id"]

    staff = admin  # the organization's administrator answers (it sees the whole subtree)
    reply = "شكراً لتواصلك، سيتم إصلاح الرصيف خلال أسبوع"
    posted = api.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=staff,
        json={"visibility": "public", "body": reply},
    )
    assert posted.status_code == 201, posted.text

    def reply_sent() -> bool:
        return any(s.body.get("text", {}).get("body") == reply for s in graph.sent)

    eventually(reply_sent)
    sent = next(s for s in graph.sent if s.body["text"]["body"] == reply)
    assert sent.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert sent.authorization == f"Bearer {ACCESS_TOKEN}"
    assert sent.body["to"] == WA_ID and sent.body["messaging_product"] == "whatsapp"

    second = text_message("wamid.E2E2", "متى سيبدأ العمل؟")
    assert api.post(HOOK, content=second, headers=signed(second)).json()["continued"] == 1
    timeline = api.get(f"/v1/inquiries/{inquiry_id}/messages", headers=staff).json()["items"]
    assert "متى سيبدأ العمل؟" in [m["body"] for m in timeline]

    def history_has_sent() -> list[str]:
        items = api.get(f"/v1/inquiries/{inquiry_id}/history", headers=staff).json()["items"]
        return [i["details"]["status"] for i in items if i["action"] == "channel_delivery"]

    eventually(history_has_sent)
    wamids = [f"wamid.OUT{n}" for n in range(1, len(graph.sent) + 1)]
    for wamid in wamids:
        callback = status(wamid, "delivered")
        assert api.post(HOOK, content=callback, headers=signed(callback)).status_code == 200
    assert "delivered" in history_has_sent()

    deliveries = api.get(
        f"/v1/webhooks/{subscription.json()['id']}/deliveries", headers=admin
    ).json()["items"]
    assert deliveries and {d["status"] for d in deliveries} <= {"delivered", "pending"}

    # the subscription's secret rotated: the next deliveries verify with either secret
    old_secret = receiver.secret
    assert old_secret is not None
    rotated = api.post(
        f"/v1/webhooks/{subscription.json()['id']}/rotate-secret",
        headers=admin,
        json={"overlap_seconds": 3600},
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    seen = len(receiver.received)
    later = "سيبدأ العمل صباح الأحد"
    posted = api.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=staff,
        json={"visibility": "public", "body": later},
    )
    assert posted.status_code == 201, posted.text

    def replied_after_rotation() -> object:
        for got in receiver.received[seen:]:
            if got.payload and got.payload["type"] == "inquiry.replied":
                return got
        return None

    got = eventually(replied_after_rotation, 60)
    assert isinstance(got, Received)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verifies(old_secret, got.headers, got.body)
    assert verifies(new_secret, got.headers, got.body)

    # a photo on WhatsApp: fetched through the Graph API into an attachment of the inquiry
    photo = jpeg_with_gps()
    graph.media["MEDIA-E2E"] = Media(photo, "image/jpeg")
    image = message("wamid.E2E3", "image", {"id": "MEDIA-E2E", "mime_type": "image/jpeg"})
    assert api.post(HOOK, content=image, headers=signed(image)).json()["continued"] == 1

    def attached() -> list[dict]:
        listed = api.get("/v1/attachments", params={"owner_id": inquiry_id}, headers=staff)
        return [a for a in listed.json()["items"] if a["content_type"] == "image/jpeg"]

    found = eventually(attached, 60)
    assert isinstance(found, list) and len(found) == 1
    kept = found[0]
    content = api.get(f"/v1/attachments/{kept['id']}/content", headers=staff)
    assert content.status_code == 200 and b"iPhone 15 Pro" not in content.content

    # a day later: the resolution, then the survey invitation, as approved templates
    asyncio.run(_age_conversations(database_url, 25))
    sent_before = len(graph.sent)
    resolved = api.post(
        f"/v1/inquiries/{inquiry_id}/resolve",
        headers=staff,
        json={"resolution": "تم إصلاح الرصيف أمام المدرسة"},
    )
    assert resolved.status_code == 200, resolved.text
    reference = resolved.json()["reference"]

    def both_sent() -> list[dict]:
        later_sent = [s.body for s in graph.sent[sent_before:]]
        return later_sent if len(later_sent) >= 2 else []

    found = eventually(both_sent, 60)
    assert isinstance(found, list)
    resolution, invitation = found
    assert resolution["type"] == invitation["type"] == "template"
    assert resolution["template"]["name"] == "govhub_notification"
    first = resolution["template"]["components"][0]["parameters"][0]["text"]
    second = invitation["template"]["components"][0]["parameters"][0]["text"]
    assert "تم إصلاح الرصيف أمام المدرسة" in first
    assert second.endswith(f"https://govhub.example/track/{reference}?survey={inquiry_id}")
