"""Evidence: a milestone completion and a report cite uploads; the campaigns service records
the owner in the kernel and `/v1/attachments` serves them to the owner's organization tree."""

from __future__ import annotations

from services.campaigns.app import create_app as create_campaigns
from services.inquiries.app import create_app as create_inquiries
from tests.attachments.conftest import pdf_bytes
from tests.campaigns.conftest import build_hub, create_initiative
from tests.campaigns.test_reports import report_body
from tests.inquiries.conftest import problem


async def test_milestone_and_report_evidence(make_client, settings) -> None:
    files = await make_client(create_inquiries)
    campaigns = await make_client(create_campaigns)
    hub = await build_hub(settings)
    try:
        author = hub.auth("org_admin@A")
        initiative = await create_initiative(campaigns, hub, "A")
        milestone = await campaigns.post(
            f"/v1/initiatives/{initiative['id']}/milestones",
            json={"title_ar": "إطلاق الحملة", "due_date": "2027-02-01", "weight": "40"},
            headers=author,
        )
        assert milestone.status_code == 201, milestone.text
        evidence = await files.post(
            "/v1/attachments",
            content=pdf_bytes(),
            params={"filename": "محضر التسليم.pdf"},
            headers=author,
        )
        assert evidence.status_code == 201, evidence.text
        evidence_id = evidence.json()["id"]

        done = await campaigns.post(
            f"/v1/milestones/{milestone.json()['id']}/complete",
            json={"attachment_ids": [evidence_id]},
            headers=author,
        )
        assert done.status_code == 200, done.text
        url = f"/v1/attachments/{evidence_id}/content"
        # the organization's tree reads it: its own staff and the region above
        assert (await files.get(url, headers=hub.auth("unit_head@A"))).status_code == 200
        assert (await files.get(url, headers=hub.auth("org_admin@R"))).status_code == 200
        listed = await files.get(
            "/v1/attachments",
            params={"owner_id": milestone.json()["id"]},
            headers=hub.auth("unit_head@A"),
        )
        assert [a["id"] for a in listed.json()["items"]] == [evidence_id]
        # a sibling municipality does not; nor a client without campaigns:read
        problem(await files.get(url, headers=hub.auth("org_admin@B")), 404)
        # evidence is not read below its organization (a key message's documents are)
        problem(await files.get(url, headers=hub.auth("org_admin@U")), 404)
        problem(await files.get(url, headers=hub.auth("client@A:inquiries:read")), 404)

        # the same file cannot become a report's too; a fresh upload can
        body = report_body(hub, "A", attachment_ids=[evidence_id])
        problem(
            await campaigns.post("/v1/reports", json=body, headers=author),
            422,
            "attachment_unavailable",
            "attachment_ids",
        )
        clipping = await files.post(
            "/v1/attachments", content=pdf_bytes(), params={"filename": "تغطية.pdf"}, headers=author
        )
        body = report_body(hub, "A", attachment_ids=[clipping.json()["id"]])
        report = await campaigns.post("/v1/reports", json=body, headers=author)
        assert report.status_code == 201, report.text
        reader = await files.get(
            f"/v1/attachments/{clipping.json()['id']}", headers=hub.auth("unit_head@A")
        )
        assert reader.status_code == 200 and reader.json()["attached"] is True
    finally:
        await hub.directory.close()


async def test_a_key_message_version_cites_its_documents(make_client, settings) -> None:
    """The documents a wording rests on stay with that version (a later version has its
    own); the message's organization tree reads them, and the organizations below it where
    the message is said; another region does not."""
    files = await make_client(create_inquiries)
    campaigns = await make_client(create_campaigns)
    hub = await build_hub(settings)
    try:
        author = hub.auth("coordinator@R")
        message = await campaigns.post(
            "/v1/key-messages",
            json={"code": "WATER", "topic": "ترشيد المياه", "organization_id": str(hub.orgs["R"])},
            headers=author,
        )
        assert message.status_code == 201, message.text
        study = await files.post(
            "/v1/attachments",
            content=pdf_bytes(),
            params={"filename": "دراسة الاستهلاك.pdf"},
            headers=author,
        )
        assert study.status_code == 201, study.text
        version = await campaigns.post(
            f"/v1/key-messages/{message.json()['id']}/versions",
            json={
                "text_ar": "استهلاك الفرد من المياه ضعف المعدل العالمي",
                "attachment_ids": [study.json()["id"]],
            },
            headers=author,
        )
        assert version.status_code == 201, version.text
        listed = await files.get(
            "/v1/attachments",
            params={"owner_id": version.json()["id"]},
            headers=hub.auth("org_admin@R"),
        )
        assert [a["id"] for a in listed.json()["items"]] == [study.json()["id"]]
        url = f"/v1/attachments/{study.json()['id']}/content"
        # read where the message is said: the municipality below the region, and above it
        assert (await files.get(url, headers=hub.auth("unit_head@A"))).status_code == 200
        below = await files.get(
            "/v1/attachments",
            params={"owner_id": version.json()["id"]},
            headers=hub.auth("unit_head@A"),
        )
        assert [a["id"] for a in below.json()["items"]] == [study.json()["id"]]
        assert (await files.get(url, headers=hub.auth("org_admin@M"))).status_code == 200
        problem(await files.get(url, headers=hub.auth("org_admin@S")), 404)  # another region
        # the same file cannot back a second version
        problem(
            await campaigns.post(
                f"/v1/key-messages/{message.json()['id']}/versions",
                json={"text_ar": "نص آخر", "attachment_ids": [study.json()["id"]]},
                headers=author,
            ),
            422,
            "attachment_unavailable",
        )
    finally:
        await hub.directory.close()
