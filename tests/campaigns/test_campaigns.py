"""Campaigns, flights and key messages through the API; the approval matrix and version
immutability as tables; the flight events the calendar consumes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from services.campaigns.domain.decisions import may_approve
from services.campaigns.domain.states import CAMPAIGN_TRANSITIONS, VERSION_TRANSITIONS, step
from services.common.db import build_engine, build_sessionmaker
from services.common.errors import InvalidState
from tests.campaigns.conftest import problem

A, R, M, B = (uuid.uuid4() for _ in range(4))


@pytest.mark.parametrize(
    ("decider", "roles", "organization", "expected"),
    [
        ("author", ["org_admin"], A, "self_decision"),
        ("changer", ["unit_head"], A, "self_decision"),
        ("author", ["sector_admin"], None, "self_decision"),
        ("other", ["unit_head"], A, None),
        ("other", ["org_admin"], R, None),
        ("other", ["org_admin"], M, None),
        ("other", ["sector_admin"], None, None),
        ("other", ["org_admin"], B, "not_above"),
        ("other", ["coordinator"], A, "not_above"),
        ("other", ["spokesperson"], R, "not_above"),
    ],
)
def test_approval_matrix(decider, roles, organization, expected):
    assert (
        may_approve(
            decider=decider,
            decider_roles=roles,
            decider_organization=organization,
            author="author",
            last_changed_by="changer",
            organization_chain=[A, R, M],
        )
        == expected
    )


def test_campaign_and_version_tables():
    assert step(CAMPAIGN_TRANSITIONS, "draft", "submit") == "pending"
    assert step(CAMPAIGN_TRANSITIONS, "pending", "approve") == "approved"
    assert step(CAMPAIGN_TRANSITIONS, "approved", "reopen") == "pending"
    for state, action in (("draft", "approve"), ("cancelled", "submit"), ("completed", "cancel")):
        with pytest.raises(InvalidState):
            step(CAMPAIGN_TRANSITIONS, state, action)
    assert step(VERSION_TRANSITIONS, "draft", "approve") == "approved"
    assert step(VERSION_TRANSITIONS, "approved", "retire") == "retired"
    for state, action in (("retired", "approve"), ("approved", "approve"), ("retired", "retire")):
        with pytest.raises(InvalidState):
            step(VERSION_TRANSITIONS, state, action)


async def events(settings, event_type: str) -> list[dict[str, Any]]:
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session:
            rows = await session.execute(
                text("SELECT payload FROM common_outbox WHERE event_type = :t ORDER BY created_at"),
                {"t": event_type},
            )
            return [r[0] for r in rows]
    finally:
        await engine.dispose()


async def approved_version(client, hub, org="R", text_ar="سلامتك تبدأ من مائدتك") -> dict:
    message = await client.post(
        "/v1/key-messages",
        json={
            "code": f"KM-{uuid.uuid4().hex[:6]}",
            "topic": "سلامة الغذاء",
            "organization_id": str(hub.orgs[org]),
        },
        headers=hub.auth(f"coordinator@{org}"),
    )
    assert message.status_code == 201, message.text
    version = await client.post(
        f"/v1/key-messages/{message.json()['id']}/versions",
        json={"text_ar": text_ar, "text_en": "Your safety starts at your table"},
        headers=hub.auth(f"coordinator@{org}"),
    )
    assert version.status_code == 201, version.text
    approved = await client.post(
        f"/v1/key-message-versions/{version.json()['id']}/approve",
        headers=hub.auth(f"org_admin@{org}"),
    )
    assert approved.status_code == 200, approved.text
    data: dict = approved.json()
    return data


async def new_campaign(client, hub, org="A", who=None, **fields) -> dict:
    body = {
        "code": f"C-{uuid.uuid4().hex[:6]}",
        "title_ar": "حملة رمضان للتوعية بسلامة الغذاء",
        "type": "awareness",
        "organization_id": str(hub.orgs[org]),
        "objective_ar": "رفع وعي الأسر",
        "audiences": ["families"],
        "channels": ["x", "tv"],
        "start_date": "2027-02-08",
        "end_date": "2027-03-09",
    }
    body.update(fields)
    response = await client.post(
        "/v1/campaigns", json=body, headers=hub.auth(who or f"coordinator@{org}")
    )
    assert response.status_code == 201, response.text
    data: dict = response.json()
    return data


async def test_key_message_versions_are_kept_and_immutable(client, hub):
    message = await client.post(
        "/v1/key-messages",
        json={"code": "FOOD", "topic": "سلامة الغذاء", "organization_id": str(hub.orgs["R"])},
        headers=hub.auth("coordinator@R"),
    )
    url = f"/v1/key-messages/{message.json()['id']}"
    first = (
        await client.post(
            f"{url}/versions", json={"text_ar": "النص الأول"}, headers=hub.auth("coordinator@R")
        )
    ).json()
    problem(
        await client.post(
            f"/v1/key-message-versions/{first['id']}/approve", headers=hub.auth("coordinator@R")
        ),
        403,
    )
    await client.post(
        f"/v1/key-message-versions/{first['id']}/approve", headers=hub.auth("org_admin@R")
    )
    campaign = await new_campaign(client, hub, key_message_version_ids=[first["id"]])
    second = (
        await client.post(
            f"{url}/versions",
            json={"text_ar": "النص الثاني المعدّل"},
            headers=hub.auth("coordinator@R"),
        )
    ).json()
    assert second["number"] == 2
    await client.post(
        f"/v1/key-message-versions/{second['id']}/approve", headers=hub.auth("org_admin@M")
    )
    retired = await client.post(
        f"/v1/key-message-versions/{first['id']}/retire", headers=hub.auth("org_admin@R")
    )
    assert retired.json()["status"] == "retired"
    # the past campaign still cites the first wording, which is still readable as written
    again = await client.get(f"/v1/campaigns/{campaign['id']}", headers=hub.auth("org_admin@A"))
    assert again.json()["key_message_version_ids"] == [first["id"]]
    kept = await client.get(
        f"/v1/key-message-versions/{first['id']}", headers=hub.auth("org_admin@A")
    )
    assert kept.json()["text_ar"] == "النص الأول"
    # no route changes a version's text
    assert (
        await client.patch(
            f"/v1/key-message-versions/{first['id']}",
            json={"text_ar": "x"},
            headers=hub.auth("org_admin@R"),
        )
    ).status_code in (404, 405)
    listed = (await client.get(url, headers=hub.auth("agent@A"))).json()
    assert [(v["number"], v["status"]) for v in listed["versions"]] == [
        (1, "retired"),
        (2, "approved"),
    ]
    sector = await client.get(
        "/v1/key-messages/sector",
        params={"organization_id": str(hub.orgs["M"])},
        headers=hub.auth("org_admin@M"),
    )
    assert [v["text_ar"] for v in sector.json()["items"]] == ["النص الثاني المعدّل"]
    # citing a retired (or draft) version is refused
    problem(
        await client.post(
            "/v1/campaigns",
            json={
                "code": "X1",
                "title_ar": "حملة",
                "type": "media",
                "organization_id": str(hub.orgs["A"]),
                "objective_ar": "هدف",
                "start_date": "2027-01-01",
                "end_date": "2027-01-31",
                "key_message_version_ids": [first["id"]],
            },
            headers=hub.auth("coordinator@A"),
        ),
        422,
    )


async def test_approval_flights_and_their_calendar_events(client, hub, settings):
    version = await approved_version(client, hub)
    campaign = await new_campaign(client, hub, key_message_version_ids=[version["id"]])
    url = f"/v1/campaigns/{campaign['id']}"
    tv = await client.post(
        f"{url}/flights",
        json={"channel": "tv", "start_date": "2027-02-08", "end_date": "2027-02-20"},
        headers=hub.auth("coordinator@A"),
    )
    assert tv.status_code == 201, tv.text
    for bad in (
        {"channel": "tv", "start_date": "2027-02-01", "end_date": "2027-02-10"},
        {"channel": "tv", "start_date": "2027-03-01", "end_date": "2027-03-20"},
        {"channel": "radio", "start_date": "2027-02-10", "end_date": "2027-02-12"},
        {"channel": "tv\x00", "start_date": "2027-02-10", "end_date": "2027-02-12"},
    ):
        problem(
            await client.post(f"{url}/flights", json=bad, headers=hub.auth("coordinator@A")), 422
        )
    problem(
        await client.post(f"{url}/approve", headers=hub.auth("org_admin@A")), 409, "invalid_state"
    )
    await client.post(f"{url}/submit", headers=hub.auth("coordinator@A"))
    assert await events(settings, "campaign.flight.scheduled") == []
    problem(await client.post(f"{url}/approve", headers=hub.auth("coordinator@A")), 403)
    problem(await client.post(f"{url}/approve", headers=hub.auth("org_admin@B")), 404)
    problem(
        await client.post(f"{url}/reject", headers=hub.auth("org_admin@A")), 422, field="comment"
    )
    approved = await client.post(
        f"{url}/approve", json={"comment": "معتمد"}, headers=hub.auth("org_admin@A")
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert [d["action"] for d in approved.json()["decisions"]] == ["submit", "approve"]
    scheduled = await events(settings, "campaign.flight.scheduled")
    revisions = [event.pop("revision") for event in scheduled]
    assert all(isinstance(r, int) and r > 0 for r in revisions)
    assert scheduled == [
        {
            "campaign_id": campaign["id"],
            "flight_id": tv.json()["id"],
            "organization_id": str(hub.orgs["A"]),
            "title_ar": campaign["title_ar"],
            "title_en": None,
            "description_ar": "رفع وعي الأسر",
            "start_date": "2027-02-08",
            "end_date": "2027-02-20",
            "channels": ["tv"],
            "audiences": ["families"],
            "visibility": "sector",
            "approved": True,
        }
    ]
    moved = await client.patch(
        f"/v1/flights/{tv.json()['id']}",
        json={"start_date": "2027-02-10", "end_date": "2027-02-22"},
        headers=hub.auth("coordinator@A"),
    )
    assert moved.status_code == 200, moved.text
    changed = await events(settings, "campaign.flight.changed")
    assert [(c["start_date"], c["end_date"], c["approved"]) for c in changed] == [
        ("2027-02-10", "2027-02-22", True)
    ]
    # a change of dates after approval returns the campaign to pending, with a new version
    reopened = await client.patch(
        url, json={"end_date": "2027-03-15"}, headers=hub.auth("coordinator@A")
    )
    assert reopened.json()["status"] == "pending"
    assert reopened.json()["version"] == 2
    assert (await events(settings, "campaign.flight.changed"))[-1]["approved"] is False
    # the last to change it may not approve it
    problem(await client.post(f"{url}/approve", headers=hub.auth("coordinator@A")), 403)
    await client.post(f"{url}/approve", headers=hub.auth("org_admin@R"))
    cancelled = await client.post(f"{url}/cancel", headers=hub.auth("coordinator@A"))
    assert cancelled.json()["status"] == "cancelled"
    gone = await events(settings, "campaign.flight.cancelled")
    assert [g["flight_id"] for g in gone] == [tv.json()["id"]]
    # each later event of the flight carries a later revision (the calendar's order)
    changed = await events(settings, "campaign.flight.changed")
    order = [*revisions, *(c["revision"] for c in changed), gone[-1]["revision"]]
    assert order == sorted(order) and len(set(order)) == len(order)


async def test_channels_come_from_the_directory_registry(client, hub):
    """A campaign, its flights and a playbook name channels the directory registered for
    their organization or one above it (by kind or by id); anything else is a 422 naming
    the field, and nothing is kept."""
    problem(
        await client.post(
            "/v1/campaigns",
            json={
                "code": "SNAP-1",
                "title_ar": "حملة على سناب شات",
                "type": "awareness",
                "organization_id": str(hub.orgs["A"]),
                "objective_ar": "هدف",
                "channels": ["x", "snapchat"],
                "start_date": "2027-01-01",
                "end_date": "2027-01-31",
            },
            headers=hub.auth("coordinator@A"),
        ),
        422,
    )
    listed = await client.get(
        "/v1/campaigns", params={"q": "SNAP-1"}, headers=hub.auth("coordinator@A")
    )
    assert listed.json()["items"] == []
    campaign = await new_campaign(client, hub, channels=[])  # no list: any registered one
    problem(
        await client.post(
            f"/v1/campaigns/{campaign['id']}/flights",
            json={"channel": "tiktok", "start_date": "2027-02-10", "end_date": "2027-02-12"},
            headers=hub.auth("coordinator@A"),
        ),
        422,
    )
    flight = await client.post(
        f"/v1/campaigns/{campaign['id']}/flights",
        json={"channel": "radio", "start_date": "2027-02-10", "end_date": "2027-02-12"},
        headers=hub.auth("coordinator@A"),
    )
    assert flight.status_code == 201, flight.text
    problem(
        await client.post(
            "/v1/crisis-playbooks",
            json={
                "organization_id": str(hub.orgs["R"]),
                "scenario_ar": "عاصفة رملية",
                "levels": [{"level": 1, "criteria_ar": "انعدام الرؤية"}],
                "channels": ["tiktok"],
                "keywords": ["غبار"],
            },
            headers=hub.auth("org_admin@R"),
        ),
        422,
    )
