"""The hub's stemmed Arabic search on the campaigns service's lists: initiatives, campaigns
and key messages (`q`), with the kernel's rule (services/common/search/)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.campaigns import handlers
from services.campaigns.models import Initiative
from services.common import search_words
from services.common.db import build_engine, build_sessionmaker
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


async def test_relevance_highlights_and_corrections_on_the_campaigns_lists(client, hub, settings):
    who = "org_admin@A"
    strong = await create_initiative(
        client, hub, "A", title_ar="تطوير الحدائق", description_ar="حدائق الأحياء <وحديقة>"
    )
    weak = await create_initiative(  # newer, a weaker match
        client, hub, "A", title_ar="صيانة الطرق", description_ar="تشمل الحدائق"
    )

    async def page(path: str, **params) -> dict:
        response = await client.get(path, params=params, headers=hub.auth(who))
        assert response.status_code == 200, response.text
        body: dict = response.json()
        return body

    # best match first, one a page (keyset), and newest first by default
    first = await page("/v1/initiatives", q="حديقة", sort="relevance", limit=1)
    second = await page(
        "/v1/initiatives", q="حديقة", sort="relevance", limit=1, cursor=first["next_cursor"]
    )
    assert [i["id"] for i in first["items"] + second["items"]] == [strong["id"], weak["id"]]
    newest = await page("/v1/initiatives", q="حديقة")
    assert [i["id"] for i in newest["items"]] == [weak["id"], strong["id"]]
    # highlights: escaped, marked, only when asked for
    marked = await page("/v1/initiatives", q="حديقة", highlight="true", sort="relevance")
    assert marked["items"][0]["highlights"] == {
        "title_ar": ["تطوير <mark>الحدائق</mark>"],
        "description_ar": ["<mark>حدائق</mark> الأحياء &lt;<mark>وحديقة</mark>&gt;"],
    }
    assert "highlights" not in newest["items"][0] and "corrected_q" not in newest
    response = await client.get(
        "/v1/campaigns", params={"sort": "relevance"}, headers=hub.auth(who)
    )
    assert response.status_code == 400 and response.json()["code"] == "relevance_needs_q"

    # a typo is corrected from the words table, which the worker's job fills (its rows of
    # the last minute wait for the next run: read here without that wait)
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            assert await handlers.collect_search_words(session) == 0  # all under a minute
            read = await search_words.collect_words(
                session,
                "campaign_initiative",
                Initiative.search_text,
                Initiative.created_at,
                settle=timedelta(0),
            )
            assert read == 2
    finally:
        await engine.dispose()
    corrected = await page("/v1/initiatives", q="تطويرر")
    assert corrected["corrected_q"] == "تطوير"
    assert [i["id"] for i in corrected["items"]] == [strong["id"]]


async def test_key_messages_highlight_what_was_said(client, hub):
    staff = hub.auth("coordinator@A")
    message = await client.post(
        "/v1/key-messages",
        json={"code": "KM-FOOD", "topic": "سلامة الغذاء", "organization_id": str(hub.orgs["A"])},
        headers=staff,
    )
    assert message.status_code == 201, message.text
    await client.post(
        f"/v1/key-messages/{message.json()['id']}/versions",
        json={"text_ar": "اشترِ من المنشآت المرخّصة"},
        headers=staff,
    )
    response = await client.get(
        "/v1/key-messages",
        params={"q": "المنشأة", "highlight": "true", "sort": "relevance"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item["highlights"] == {"versions": ["اشترِ من <mark>المنشآت</mark> المرخّصة"]}
    assert [v["text_ar"] for v in item["versions"]] == ["اشترِ من المنشآت المرخّصة"]
