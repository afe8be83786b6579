"""The fast reads (GET by id, the list) send what the validated staff view would send."""

from __future__ import annotations

from services.common.pagination import Page
from services.inquiries.schemas.inquiries import InquiryOut
from tests.inquiries.conftest import submit


async def test_get_and_list_send_exactly_the_validated_staff_view(client, world):
    created = await submit(
        client,
        world,
        "agent@R",
        organization_id=str(world.orgs["R"]),
        contact={"name": "سارة", "phone": "+966501234567", "email": "sara@example.com"},
        location={"lat": 24.7136, "long": 46.6753, "address": "حي العليا 🏙️ <b>"},
        priority="high",
    )
    inquiry_id = created["id"]
    # the answer of a workflow action goes through FastAPI's response-model validation
    assigned = await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=world.auth("coordinator@R"),
        json={"assignee_id": str(world.users["agent@R"])},
    )
    assert assigned.status_code == 200, assigned.text
    reference = assigned.json()

    for who in ("agent@R", "coordinator@M", "admin"):  # own, parent, sector admin
        got = await client.get(f"/v1/inquiries/{inquiry_id}", headers=world.auth(who))
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/json"
        assert got.headers["etag"] == assigned.headers["etag"]
        assert got.json() == reference
        assert InquiryOut.model_validate_json(got.content).model_dump() == (
            InquiryOut.model_validate(reference).model_dump()
        )

    listed = await client.get(
        "/v1/inquiries", params={"priority": "high"}, headers=world.auth("agent@R")
    )
    assert listed.status_code == 200, listed.text
    page = Page[InquiryOut].model_validate_json(listed.content)
    assert [item.id for item in page.items] == [InquiryOut.model_validate(reference).id]
    assert listed.json()["items"] == [reference]
    assert reference["contact"]["email"] == "sara@example.com"
    assert reference["location"]["address"] == "حي العليا 🏙️ <b>"
    assert reference["sla_state"] == "on_track"
    assert reference["allowed_actions"]  # an assigned inquiry can move on


async def test_get_by_id_of_another_subtree_or_unknown_is_404(client, world):
    created = await submit(client, world, "agent@R", organization_id=str(world.orgs["R"]))
    for who, path in (
        ("agent@S", f"/v1/inquiries/{created['id']}"),
        ("agent@A", f"/v1/inquiries/{created['id']}"),  # the child does not see its parent's
        ("agent@R", "/v1/inquiries/00000000-0000-4000-8000-000000000000"),
    ):
        response = await client.get(path, headers=world.auth(who))
        assert response.status_code == 404, (who, response.text)
        assert response.json()["code"] == "not_found"
