"""Crisis playbooks and activations: the campaign it opens, inquiry tagging by the
inquiries service's handlers (events delivered as the worker does), closing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import text, update

from govhub.worker import deliver, load_handler_modules
from services.common.db import build_engine, build_sessionmaker
from services.inquiries.app import create_app as create_inquiries_app
from services.inquiries.models import Inquiry
from tests.campaigns.conftest import problem
from tests.campaigns.test_campaigns import approved_version


async def deliver_pending(settings) -> int:
    """Runs the handlers of every pending outbox event, oldest first, as the worker does."""
    load_handler_modules()
    engine = build_engine(settings.database_url, settings)
    try:
        sessions = build_sessionmaker(engine)
        async with sessions() as session:
            ids = (
                (
                    await session.execute(
                        text(
                            "SELECT id FROM common_outbox WHERE status = 'pending'"
                            " ORDER BY created_at"
                        )
                    )
                )
                .scalars()
                .all()
            )
        for event_id in ids:
            await deliver(sessions, event_id, settings)
        return len(ids)
    finally:
        await engine.dispose()


async def backdate(settings, inquiry_id: str, hours: float) -> None:
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            await session.execute(
                update(Inquiry)
                .where(Inquiry.id == uuid.UUID(inquiry_id))
                .values(created_at=Inquiry.created_at - timedelta(hours=hours))
            )
    finally:
        await engine.dispose()


async def test_activation_tags_matching_inquiries_and_closing_stops_it(
    client, hub, settings, make_client
):
    inquiries = await make_client(create_inquiries_app)
    # the campaigns app reads live counts from the inquiries app
    client.app.state.inquiries_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=inquiries.app), base_url="http://inquiries"
    )

    async def inquiry(org: str, subject: str, body: str = "نرجو المعالجة العاجلة") -> str:
        response = await inquiries.post(
            "/v1/inquiries",
            json={
                "kind": "complaint",
                "channel": "website",
                "subject": subject,
                "body": body,
                "organization_id": str(hub.orgs[org]),
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    hour_before = await inquiry("A", "تجمع مياه الأمطار في النفق")
    await backdate(settings, hour_before, 1)
    too_old = await inquiry("A", "سيول في الحي الشرقي")
    await backdate(settings, too_old, 72)
    version = await approved_version(client, hub, org="R", text_ar="نتابع الحالة المطرية")
    playbook = await client.post(
        "/v1/crisis-playbooks",
        json={
            "organization_id": str(hub.orgs["R"]),
            "scenario_ar": "سيول وأمطار غزيرة",
            "levels": [{"level": 1, "criteria_ar": "إنذار"}, {"level": 2, "criteria_ar": "تجمعات"}],
            "holding_message_version_ids": [version["id"]],
            "channels": ["x"],
            "keywords": ["سيول", "مياه الامطار", "flood"],
        },
        headers=hub.auth("coordinator@R"),
    )
    assert playbook.status_code == 201, playbook.text
    url = f"/v1/crisis-playbooks/{playbook.json()['id']}"
    problem(
        await client.post(
            f"{url}/activate",
            json={"level": 3, "organization_id": str(hub.orgs["A"])},
            headers=hub.auth("coordinator@R"),
        ),
        422,
    )
    problem(
        await client.post(
            f"{url}/activate",
            json={"level": 1, "organization_id": str(hub.orgs["S"])},
            headers=hub.auth("admin"),
        ),
        422,
    )
    activated = await client.post(
        f"{url}/activate",
        json={"level": 2, "organization_id": str(hub.orgs["A"])},
        headers=hub.auth("coordinator@R"),
    )
    assert activated.status_code == 201, activated.text
    activation = activated.json()
    problem(
        await client.post(
            f"{url}/activate",
            json={"level": 1, "organization_id": str(hub.orgs["A"])},
            headers=hub.auth("coordinator@R"),
        ),
        409,
        "already_active",
    )
    campaign = await client.get(
        f"/v1/campaigns/{activation['campaign_id']}", headers=hub.auth("org_admin@A")
    )
    assert campaign.json()["type"] == "crisis"
    assert campaign.json()["status"] == "approved"
    assert campaign.json()["key_message_version_ids"] == [version["id"]]

    after = await inquiry("U", "غرق الشارع بمياه الأمطار", "الماء وصل للبيوت")
    unrelated = await inquiry("A", "إنارة معطلة في الحديقة")
    elsewhere = await inquiry("B", "سيول في بلدية أخرى")
    await deliver_pending(settings)
    tag = activation["tag"]
    listed = await inquiries.get(
        "/v1/inquiries", params={"tag": tag}, headers=hub.auth("org_admin@R")
    )
    assert listed.status_code == 200, listed.text
    assert {i["id"] for i in listed.json()["items"]} == {hour_before, after}
    assert all(tag in i["tags"] for i in listed.json()["items"])
    for other in (unrelated, elsewhere, too_old):
        assert other not in {i["id"] for i in listed.json()["items"]}
    live = await client.get(
        f"/v1/crisis-activations/{activation['id']}", headers=hub.auth("org_admin@R")
    )
    assert live.status_code == 200, live.text
    assert live.json()["counts"]["tagged"] == 2
    assert live.json()["counts"]["by_channel"] == {"website": 2}

    closed = await client.post(
        f"/v1/crisis-activations/{activation['id']}/close", headers=hub.auth("coordinator@R")
    )
    assert closed.json()["status"] == "closed"
    problem(
        await client.post(
            f"/v1/crisis-activations/{activation['id']}/close", headers=hub.auth("coordinator@R")
        ),
        409,
    )
    await deliver_pending(settings)
    late = await inquiry("A", "سيول جديدة بعد الإغلاق")
    await deliver_pending(settings)
    listed = await inquiries.get(
        "/v1/inquiries", params={"tag": tag}, headers=hub.auth("org_admin@R")
    )
    assert late not in {i["id"] for i in listed.json()["items"]}
    # redelivering an activation changes nothing (its handler is idempotent)
    again = await deliver_pending(settings)
    assert again == 0
    ended = await client.get(
        f"/v1/campaigns/{activation['campaign_id']}", headers=hub.auth("org_admin@A")
    )
    assert ended.json()["status"] == "completed"
    # activating again after the close is allowed
    reopened = await client.post(
        f"{url}/activate",
        json={"level": 1, "organization_id": str(hub.orgs["A"])},
        headers=hub.auth("coordinator@R"),
    )
    assert reopened.status_code == 201, reopened.text


async def flood_inquiry(inquiries: httpx.AsyncClient, hub, subject: str) -> uuid.UUID:
    """An anonymous complaint in the municipality A whose text matches the flood keyword."""
    response = await inquiries.post(
        "/v1/inquiries",
        json={
            "kind": "complaint",
            "channel": "website",
            "subject": subject,
            "body": "تجمع مياه",
            "organization_id": str(hub.orgs["A"]),
        },
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def flood_rule(activation_id: uuid.UUID, hub, opened_at) -> dict:
    """The `crisis.activated` payload of a flood activation in A, opened at `opened_at`."""
    return {
        "activation_id": str(activation_id),
        "organization_id": str(hub.orgs["A"]),
        "tag": f"crisis:{activation_id}",
        "keywords": ["سيول"],
        "window_start": (opened_at - timedelta(hours=48)).isoformat(),
        "activated_at": opened_at.isoformat(),
    }


async def tags_of(sessions, inquiry_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        tags = await session.scalar(
            text("SELECT tags FROM inquiry WHERE id = :id"), {"id": inquiry_id}
        )
    return list(tags or [])


async def test_a_close_handled_after_a_late_inquiry_takes_its_tag_off(hub, settings, make_client):
    """Events may be handled out of order: an inquiry created after the close whose own
    event was handled while the rule still looked open loses the tag when the close comes."""
    from datetime import UTC, datetime

    from services.inquiries.service import crisis

    inquiries = await make_client(create_inquiries_app)
    activation_id = uuid.uuid4()
    tag = f"crisis:{activation_id}"
    opened_at = datetime.now(UTC) - timedelta(minutes=5)
    closed_at = datetime.now(UTC) - timedelta(seconds=1)
    late = await flood_inquiry(inquiries, hub, "سيول جديدة بعد الإغلاق")
    engine = build_engine(settings.database_url, settings)
    try:
        sessions = build_sessionmaker(engine)
        async with sessions() as session, session.begin():
            payload = flood_rule(activation_id, hub, opened_at)
            await crisis.open_rule(session, payload)
        async with sessions() as session, session.begin():
            await crisis.tag_new(session, late)  # its event handled before the close
        tags = await tags_of(sessions, late)
        assert tag in tags
        async with sessions() as session, session.begin():
            await crisis.close_rule(
                session, {"activation_id": str(activation_id), "closed_at": closed_at.isoformat()}
            )
        tags = await tags_of(sessions, late)
        assert tag not in tags
    finally:
        await engine.dispose()


async def test_a_close_racing_a_tagging_waits_for_it_and_takes_the_tag_off(
    hub, settings, make_client
):
    """The worker handles events concurrently: a close committed while a late inquiry's
    tagging is still open must not miss that tag (the rule's row lock orders the two), and
    a close that comes before its activation fails, to be delivered again."""
    import asyncio
    from datetime import UTC, datetime

    import pytest

    from services.inquiries.service import crisis

    inquiries = await make_client(create_inquiries_app)
    activation_id = uuid.uuid4()
    tag = f"crisis:{activation_id}"
    opened_at = datetime.now(UTC) - timedelta(minutes=5)
    closed_at = datetime.now(UTC) - timedelta(seconds=1)
    close_payload = {"activation_id": str(activation_id), "closed_at": closed_at.isoformat()}
    engine = build_engine(settings.database_url, settings)
    try:
        sessions = build_sessionmaker(engine)
        async with sessions() as session, session.begin():
            with pytest.raises(crisis.RuleNotOpenYet):
                await crisis.close_rule(session, close_payload)
        async with sessions() as session, session.begin():
            await crisis.open_rule(session, flood_rule(activation_id, hub, opened_at))

        # created after the close time and after the rule was opened: only its own
        # event tags it
        late = await flood_inquiry(inquiries, hub, "سيول في النفق بعد الإغلاق")

        async def close() -> None:
            async with sessions() as session, session.begin():
                await crisis.close_rule(session, close_payload)

        async with sessions() as tagging:
            async with tagging.begin():
                assert await crisis.tag_new(tagging, late) == 1
                closing = asyncio.create_task(close())
                await asyncio.sleep(0.5)
                assert not closing.done()  # waits for the tagging's transaction
            await asyncio.wait_for(closing, 30)
        tags = await tags_of(sessions, late)
        assert tag not in tags
    finally:
        await engine.dispose()
