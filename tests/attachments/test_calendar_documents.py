"""Documents of a calendar entry: a press kit cited on create and on a later change, shown
with the entry and served by `/v1/attachments` to the organization's tree only."""

from __future__ import annotations

from services.calendar.app import create_app as create_calendar
from services.inquiries.app import create_app as create_inquiries
from tests.attachments.conftest import pdf_bytes
from tests.campaigns.conftest import build_hub
from tests.inquiries.conftest import problem


async def test_a_calendar_entry_cites_documents(make_client, settings) -> None:
    files = await make_client(create_inquiries)
    calendar = await make_client(create_calendar)
    hub = await build_hub(settings)
    try:
        author = hub.auth("coordinator@A")

        sent: dict[str, bytes] = {}

        async def upload(name: str, who: dict[str, str] = author) -> str:
            data = pdf_bytes()
            response = await files.post(
                "/v1/attachments", content=data, params={"filename": name}, headers=who
            )
            assert response.status_code == 201, response.text
            sent[response.json()["id"]] = data
            return str(response.json()["id"])

        kit = await upload("الملف الصحفي.pdf")
        body = {
            "organization_id": str(hub.orgs["A"]),
            "kind": "press_conference",
            "title_ar": "مؤتمر صحفي لإطلاق مبادرة الأحياء الخضراء",
            "starts_at": "2027-03-10T10:00:00+03:00",
            "ends_at": "2027-03-10T11:00:00+03:00",
        }
        # someone else's upload: a 422 naming the field, and no entry is kept
        foreign = await upload("ليس لك.pdf", hub.auth("org_admin@B"))
        problem(
            await calendar.post(
                "/v1/calendar/entries", json={**body, "attachment_ids": [foreign]}, headers=author
            ),
            422,
            "attachment_unavailable",
            "attachment_ids",
        )
        window = {"from": "2027-03-01T00:00:00Z", "to": "2027-04-01T00:00:00Z"}
        listed = await calendar.get("/v1/calendar/entries", params=window, headers=author)
        assert listed.json()["items"] == []

        created = await calendar.post(
            "/v1/calendar/entries", json={**body, "attachment_ids": [kit]}, headers=author
        )
        assert created.status_code == 201, created.text
        entry = created.json()
        assert entry["attachment_ids"] == [kit]
        speech = await upload("نص الكلمة.pdf")
        current = await calendar.get(f"/v1/calendar/entries/{entry['id']}", headers=author)
        changed = await calendar.patch(
            f"/v1/calendar/entries/{entry['id']}",
            json={"attachment_ids": [speech]},
            headers={**author, "If-Match": current.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        assert sorted(changed.json()["attachment_ids"]) == sorted([kit, speech])
        assert changed.json()["version"] == entry["version"]  # documents need no re-approval

        url = f"/v1/attachments/{kit}/content"
        assert (await files.get(url, headers=hub.auth("unit_head@A"))).content == sent[kit]
        assert (await files.get(url, headers=hub.auth("org_admin@R"))).status_code == 200
        problem(await files.get(url, headers=hub.auth("org_admin@B")), 404)  # a sibling
        problem(await files.get(url), 404)  # anonymous
        # already the entry's: another entry cannot take it
        problem(
            await calendar.post(
                "/v1/calendar/entries", json={**body, "attachment_ids": [kit]}, headers=author
            ),
            422,
            "attachment_unavailable",
        )
    finally:
        await hub.directory.close()
