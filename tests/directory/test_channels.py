"""Channels: data per organization, from the one list of kinds."""

from __future__ import annotations

from services.directory.domain.vocabulary import CHANNEL_KINDS
from tests.directory.conftest import Tree, fields_of, problem

CHANNELS = "/v1/channels"


async def test_every_kind_can_be_registered(tree: Tree):
    for kind in CHANNEL_KINDS:
        response = await tree.request(
            "x.admin",
            "POST",
            CHANNELS,
            {"organization_id": tree.orgs["C"], "kind": kind, "name_ar": f"قناة {kind}"},
        )
        assert response.status_code == 201, (kind, response.text)
    listed = await tree.request(
        "x.agent", "GET", CHANNELS, params={"organization_id": tree.orgs["C"], "limit": 500}
    )
    assert len(listed.json()["items"]) == len(CHANNEL_KINDS) + 1


async def test_create_update_and_filters(tree: Tree):
    created = await tree.request(
        "x.admin",
        "POST",
        CHANNELS,
        {
            "organization_id": tree.orgs["X"],
            "kind": "x",
            "name_ar": "حساب الأمانة على إكس",
            "name_en": "Amanah on X",
            "handle": "@Amanah",
            "url": "https://x.com/Amanah",
            "publish": True,
        },
    )
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["intake"] is True and channel["publish"] is True and channel["active"]
    publishers = await tree.request("x.agent", "GET", CHANNELS, params={"publish": "true"})
    assert [c["id"] for c in publishers.json()["items"]] == [channel["id"]]
    by_kind = await tree.request("x.agent", "GET", CHANNELS, params={"kind": "whatsapp"})
    assert {c["organization_id"] for c in by_kind.json()["items"]} == {
        tree.orgs["X"],
        tree.orgs["C"],
    }
    search = await tree.request("x.agent", "GET", CHANNELS, params={"q": "اكس"})
    assert [c["id"] for c in search.json()["items"]] == [channel["id"]]
    retired = await tree.request(
        "x.admin", "PATCH", f"{CHANNELS}/{channel['id']}", {"active": False, "handle": None}
    )
    assert retired.status_code == 200
    assert retired.json()["active"] is False and retired.json()["handle"] is None
    moved = await tree.request(
        "x.admin", "PATCH", f"{CHANNELS}/{channel['id']}", {"organization_id": tree.orgs["S"]}
    )
    assert fields_of(problem(moved, 404)) == {"organization_id"}


async def test_bad_input(tree: Tree):
    cases = [
        ({"kind": "pigeon"}, "kind"),
        ({"url": "ftp://example.com"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"name_ar": ""}, "name_ar"),
    ]
    for change, field in cases:
        body = {"organization_id": tree.orgs["X"], "kind": "app", "name_ar": "التطبيق"} | change
        response = await tree.request("x.admin", "POST", CHANNELS, body)
        assert fields_of(problem(response, 422)) == {field}, change
    null = await tree.request(
        "x.admin", "PATCH", f"{CHANNELS}/{tree.channels['X']}", {"kind": None}
    )
    assert fields_of(problem(null, 422)) == {"kind"}
