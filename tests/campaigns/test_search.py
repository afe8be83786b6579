"""The hub's stemmed Arabic search on the campaigns service's lists: initiatives, campaigns
and key messages (`q`), with the kernel's rule (services/common/search.py)."""

from __future__ import annotations

import uuid

from tests.campaigns.conftest import create_initiative
from tests.campaigns.test_campaigns import new_campaign


async def ids(client, hub, path: str, q: str, who: str) -> set[str]:
    response = await client.get(path, params={"q": q}, headers=hub.auth(who))
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["items"]}


async def test_initiatives_campaigns_and_key_messages_are_searched_by_stem(client, hub):
    gardens = await create_initiative(
        client, hub, "A", title_ar="تطوير الحدائق العامة", description_ar="زراعة الأشجار"
    )
    walks = await create_initiative(client, hub, "A", title_ar="مبادرة تحسين الأرصفة")
    who = "org_admin@A"
    assert await ids(client, hub, "/v1/initiatives", "وللحديقة", who) == {gardens["id"]}
    assert await ids(client, hub, "/v1/initiatives", "شجرة", who) == {gardens["id"]}
    assert await ids(client, hub, "/v1/initiatives", "رصيف", who) == {walks["id"]}
    assert await ids(client, hub, "/v1/initiatives", "حدائق OR أرصفة", who) == {
        gardens["id"],
        walks["id"],
    }
    assert await ids(client, hub, "/v1/initiatives", "مستشفيات", who) == set()

    leak = await new_campaign(client, hub, "A", title_ar="حملة ترشيد استهلاك المياه")
    food = await new_campaign(client, hub, "A")  # حملة رمضان للتوعية بسلامة الغذاء
    who = "coordinator@A"
    assert await ids(client, hub, "/v1/campaigns", "بالمياه", who) == {leak["id"]}
    assert await ids(client, hub, "/v1/campaigns", "التوعية -المياه", who) == {food["id"]}
    assert await ids(client, hub, "/v1/campaigns", '"سلامة الغذاء"', who) == {food["id"]}
    assert await ids(client, hub, "/v1/campaigns", '"الغذاء سلامة"', who) == set()

    message = await client.post(
        "/v1/key-messages",
        json={
            "code": f"KM-{uuid.uuid4().hex[:6]}",
            "topic": "مخالفات البناء",
            "organization_id": str(hub.orgs["A"]),
        },
        headers=hub.auth("coordinator@A"),
    )
    assert message.status_code == 201, message.text
    found = await ids(client, hub, "/v1/key-messages", "المخالفة", "coordinator@A")
    assert found == {message.json()["id"]}
    assert await ids(client, hub, "/v1/key-messages", "الحدائق", "coordinator@A") == set()


async def test_key_messages_are_found_by_what_their_versions_say(client, hub):
    staff = hub.auth("coordinator@A")
    message = await client.post(
        "/v1/key-messages",
        json={
            "code": f"KM-{uuid.uuid4().hex[:6]}",
            "topic": "سلامة الغذاء",
            "organization_id": str(hub.orgs["A"]),
        },
        headers=staff,
    )
    assert message.status_code == 201, message.text
    message_id = message.json()["id"]
    version = await client.post(
        f"/v1/key-messages/{message_id}/versions",
        json={"text_ar": "اشترِ من المنشآت المرخّصة، وتأكّد من تاريخ الصلاحية"},
        headers=staff,
    )
    assert version.status_code == 201, version.text
    # the wording, stemmed: an article, a plural, a hamza form, a phrase
    for q in ("المنشأة", "بالمنشآت المرخصه", '"تاريخ الصلاحية"', "الغذاء"):
        assert await ids(client, hub, "/v1/key-messages", q, "coordinator@A") == {message_id}, q
    # every word in one document: the topic's word and the wording's do not add up
    assert await ids(client, hub, "/v1/key-messages", "الغذاء المنشآت", "coordinator@A") == set()
    assert await ids(client, hub, "/v1/key-messages", "الحدائق", "coordinator@A") == set()
    # nor is it found by someone who may not see it
    assert await ids(client, hub, "/v1/key-messages", "المنشآت", "coordinator@S") == set()
