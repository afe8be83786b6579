"""End to end through the real app: a complaint from an anonymous citizen to closed, a media
request with a deadline, and a transfer between two organizations (issue 4, "done when")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.inquiries.conftest import submit

RIYADH = ZoneInfo("Asia/Riyadh")


async def outbox_types(world, inquiry_id) -> list[str]:
    rows = await world.directory.conn.fetch(
        "SELECT event_type FROM common_outbox WHERE aggregate_id = $1 ORDER BY created_at",
        inquiry_id if not isinstance(inquiry_id, str) else __import__("uuid").UUID(inquiry_id),
    )
    return [r[0] for r in rows]


async def test_complaint_from_an_anonymous_citizen_to_closed(client, world):
    admin = world.auth("org_admin@R")
    category = await client.post(
        "/v1/inquiry-categories",
        headers=admin,
        json={
            "organization_id": str(world.orgs["R"]),
            "code": "water-leak",
            "name_ar": "تسرب المياه",
            "name_en": "Water leak",
            "public": True,
            "routing_organization_id": str(world.orgs["A"]),
        },
    )
    assert category.status_code == 201, category.text

    # 1. an anonymous citizen writes through the website (a channel of the ministry)
    body = "يوجد تسرب مياه 💧 مستمر <b>منذ</b> ثلاثة أيام أمام المنزل رقم ١٢."
    created = await client.post(
        "/v1/inquiries",
        json={
            "kind": "complaint",
            "channel": "website",
            "subject": "تسرب مياه في شارع الملك فهد",
            "body": body,
            "category_id": category.json()["id"],
            "contact": {"name": "محمد عبدالله", "phone": "+966 50 123 4567"},
            "location": {"lat": 24.69, "long": 46.68, "address": "حي العليا"},
        },
    )
    assert created.status_code == 201, created.text
    receipt = created.json()
    inquiry_id, reference, token = receipt["id"], receipt["reference"], receipt["tracking_token"]
    assert re.fullmatch(r"INQ-\d{4}-\d{6}", reference)
    assert len(token) >= 32 and receipt["status"] == "new"
    assert created.headers["location"] == f"/v1/inquiries/{inquiry_id}"
    # 2. routed by the category to the municipality
    assert receipt["organization_id"] == str(world.orgs["A"])
    assert receipt["first_response_due"] < receipt["resolution_due"]

    coordinator, agent = world.auth("coordinator@A"), world.auth("agent@A")
    staff = await client.get(f"/v1/inquiries/{inquiry_id}", headers=agent)
    assert staff.status_code == 200
    assert staff.json()["body"] == body  # stored exactly as sent
    assert staff.json()["contact"]["phone"] == "+966501234567"
    assert staff.json()["channel_id"] == str(world.channels["website@M"])

    # 3. assigned
    assigned = await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=coordinator,
        json={"assignee_id": str(world.users["agent@A"])},
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"

    # 4. an internal note, 5. a public reply (the first response)
    note = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=agent,
        json={"visibility": "internal", "body": "سرّي: تواصلنا مع شركة المياه"},
    )
    assert note.status_code == 201, note.text
    reply = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=agent,
        json={"visibility": "public", "body": "نعتذر، فريقنا في الطريق"},
    )
    assert reply.status_code == 201
    current = (await client.get(f"/v1/inquiries/{inquiry_id}", headers=agent)).json()
    assert current["status"] == "in_progress" and current["first_response_at"] is not None
    assert current["sla_state"] in ("on_track", "at_risk", "breached")

    # 6. waiting for the citizen: the SLA clock pauses
    ask = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=agent,
        json={"visibility": "public", "body": "نرجو تزويدنا برقم العداد", "await_citizen": True},
    )
    assert ask.status_code == 201
    current = (await client.get(f"/v1/inquiries/{inquiry_id}", headers=agent)).json()
    assert current["status"] == "awaiting_citizen" and current["sla_state"] == "paused"

    # the citizen's view: public replies only, no staff ids or names, no contact details
    tracked = await client.get(
        f"/v1/inquiries/track/{reference}", headers={"X-Tracking-Token": token}
    )
    assert tracked.status_code == 200, tracked.text
    view = tracked.json()
    assert view["status"] == "awaiting_citizen"
    assert view["organization"]["name_ar"] == "بلدية العليا"
    assert [m["body"] for m in view["messages"]] == [
        "نعتذر، فريقنا في الطريق",
        "نرجو تزويدنا برقم العداد",
    ]
    assert {m["author"] for m in view["messages"]} == {"staff"}
    leaked = tracked.text
    for secret in (
        "سرّي",
        str(world.users["agent@A"]),
        str(world.users["coordinator@A"]),
        "agent-A",
        "الموظف",
        "+966501234567",
        "محمد عبدالله",
        "assignee",
    ):
        assert secret not in leaked, secret

    # 7. the citizen answers with the token → in_progress
    answer = await client.post(
        f"/v1/inquiries/track/{reference}/messages",
        headers={"X-Tracking-Token": token},
        json={"body": "رقم العداد ٤٥٦٧٨٩"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["author"] == "citizen"
    assert (await client.get(f"/v1/inquiries/{inquiry_id}", headers=agent)).json()[
        "status"
    ] == "in_progress"

    # 8. resolved
    resolved = await client.post(
        f"/v1/inquiries/{inquiry_id}/resolve",
        headers=agent,
        json={"resolution": "تم إصلاح التسرب بالتنسيق مع شركة المياه"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    view = (
        await client.get(f"/v1/inquiries/track/{reference}", headers={"X-Tracking-Token": token})
    ).json()
    assert view["survey_open"] is True and view["resolution"].startswith("تم إصلاح")

    # 9. the survey, once
    survey = await client.post(
        f"/v1/inquiries/{inquiry_id}/survey",
        headers={"X-Tracking-Token": token},
        json={"rating": 5, "comment": "شكراً على سرعة الاستجابة"},
    )
    assert survey.status_code == 201, survey.text
    again = await client.post(
        f"/v1/inquiries/{inquiry_id}/survey",
        headers={"X-Tracking-Token": token},
        json={"rating": 1},
    )
    assert again.status_code == 409 and again.json()["code"] == "survey_already_submitted"
    rated = await client.get(f"/v1/inquiries/{inquiry_id}/survey", headers=agent)
    assert rated.status_code == 200 and rated.json()["rating"] == 5

    # 10. closed
    closed = await client.post(f"/v1/inquiries/{inquiry_id}/close", headers=agent, json={})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["allowed_actions"] == []

    timeline = (await client.get(f"/v1/inquiries/{inquiry_id}/messages", headers=agent)).json()
    assert [(m["visibility"], m["author_type"]) for m in timeline["items"]] == [
        ("internal", "staff"),
        ("public", "staff"),
        ("public", "staff"),
        ("public", "citizen"),
        ("public", "staff"),
    ]
    assert timeline["items"][0]["author_id"] == str(world.users["agent@A"])
    history = (await client.get(f"/v1/inquiries/{inquiry_id}/history", headers=agent)).json()
    assert [(e["action"], e["to_status"]) for e in history["items"]] == [
        ("create", "new"),
        ("assign", "assigned"),
        ("reply", "in_progress"),
        ("request_info", "awaiting_citizen"),
        ("citizen_reply", "in_progress"),
        ("resolve", "resolved"),
        ("close", "closed"),
    ]
    events = await outbox_types(world, inquiry_id)
    assert events[0] == "inquiry.created"
    assert events.count("inquiry.status_changed") == 6
    assert "inquiry.resolved" in events and "inquiry.survey_submitted" in events
    audit = await world.directory.conn.fetchval(
        "SELECT count(*) FROM common_audit_log WHERE service = 'inquiries' AND resource_id = $1",
        __import__("uuid").UUID(inquiry_id),
    )
    assert audit >= 9


async def test_media_request_is_due_before_the_journalists_deadline(client, world, fake_clock):
    fake_clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=RIYADH))  # Sunday 10:00
    deadline = datetime(2026, 11, 22, 12, 0, tzinfo=RIYADH)
    receipt = await submit(
        client,
        world,
        "coordinator@R",
        kind="media_request",
        channel="email",
        organization_id=str(world.orgs["R"]),
        outlet="صحيفة الرياض",
        subject="استفسار صحفي عن مشروع تصريف السيول",
        body="ما نسبة الإنجاز؟",
        deadline=deadline.isoformat(),
        contact={"name": "سارة", "email": "sara@example.com"},
    )
    assert receipt["priority"] == "high"
    # default media targets at high priority: 1 h to first response, 4 h to resolution
    assert datetime.fromisoformat(receipt["first_response_due"]) == datetime(
        2026, 11, 22, 11, 0, tzinfo=RIYADH
    )
    assert datetime.fromisoformat(receipt["resolution_due"]) == deadline  # capped
    staff = (
        await client.get(f"/v1/inquiries/{receipt['id']}", headers=world.auth("coordinator@R"))
    ).json()
    assert staff["outlet"] == "صحيفة الرياض" and staff["kind"] == "media_request"
    assert datetime.fromisoformat(staff["deadline"]) == deadline

    # a far deadline does not stretch the targets
    far = await submit(
        client,
        world,
        "coordinator@R",
        kind="media_request",
        channel="email",
        organization_id=str(world.orgs["R"]),
        outlet="قناة الإخبارية",
        subject="سؤال",
        body="سؤال",
        deadline=(deadline + timedelta(days=10)).isoformat(),
        contact={"phone": "+966501234567"},
    )
    assert datetime.fromisoformat(far["resolution_due"]) == datetime(
        2026, 11, 22, 14, 0, tzinfo=RIYADH
    )


async def test_transfer_between_two_organizations(client, world, fake_clock):
    # the eastern region works 07:00–14:00 and has its own complaint policy
    await world.directory.conn.execute(
        "UPDATE directory_organization SET work_start = '07:00', work_end = '14:00' WHERE id = $1",
        world.orgs["S"],
    )
    policy = await client.post(
        "/v1/sla-policies",
        headers=world.auth("org_admin@M"),
        json={
            "organization_id": str(world.orgs["S"]),
            "kind": "complaint",
            "name_ar": "شكاوى الشرقية",
            "first_response_minutes": 120,
            "resolution_minutes": 600,
        },
    )
    assert policy.status_code == 201, policy.text

    fake_clock.set(datetime(2026, 11, 19, 15, 0, tzinfo=RIYADH))  # Thursday 15:00
    receipt = await submit(client, organization_id=str(world.orgs["A"]), channel="majlis")
    inquiry_id = receipt["id"]
    # defaults (normal): 8 h first response → Sunday 15:00 in Riyadh's 08:00–16:00 week
    assert datetime.fromisoformat(receipt["first_response_due"]) == datetime(
        2026, 11, 22, 15, 0, tzinfo=RIYADH
    )
    coordinator = world.auth("coordinator@R")
    await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=coordinator,
        json={"assignee_id": str(world.users["agent@A"])},
    )

    fake_clock.set(datetime(2026, 11, 19, 15, 30, tzinfo=RIYADH))
    moved = await client.post(
        f"/v1/inquiries/{inquiry_id}/transfer",
        headers=coordinator,
        json={
            "organization_id": str(world.orgs["S"]),
            "reason": "الموقع يتبع نطاق المنطقة الشرقية",
        },
    )
    assert moved.status_code == 200, moved.text
    out = moved.json()
    assert out["organization_id"] == str(world.orgs["S"])
    assert out["status"] == "new" and out["assignee_id"] is None and out["transfer_count"] == 1
    assert out["contact"] is None  # the caller no longer sees the inquiry
    # the clock still starts Thursday 15:00, now in the eastern region's calendar:
    # Sunday 07:00 + 2 h; resolution 10 h = Sunday 07–14 + Monday 07–10
    assert out["sla_policy_id"] == policy.json()["id"]
    assert datetime.fromisoformat(out["first_response_due"]) == datetime(
        2026, 11, 22, 9, 0, tzinfo=RIYADH
    )
    assert datetime.fromisoformat(out["resolution_due"]) == datetime(
        2026, 11, 23, 10, 0, tzinfo=RIYADH
    )

    assert (await client.get(f"/v1/inquiries/{inquiry_id}", headers=coordinator)).status_code == 404
    theirs = await client.get(f"/v1/inquiries/{inquiry_id}", headers=world.auth("agent@S"))
    assert theirs.status_code == 200
    history = (
        await client.get(f"/v1/inquiries/{inquiry_id}/history", headers=world.auth("agent@S"))
    ).json()["items"]
    transfer = history[-1]
    assert transfer["action"] == "transfer"
    assert transfer["details"]["reason"] == "الموقع يتبع نطاق المنطقة الشرقية"
    assert transfer["details"]["to_organization_id"] == str(world.orgs["S"])
    assert "inquiry.transferred" in await outbox_types(world, inquiry_id)

    # the citizen sees the new organization
    tracked = await client.get(
        f"/v1/inquiries/track/{receipt['reference']}",
        headers={"X-Tracking-Token": receipt["tracking_token"]},
    )
    assert tracked.json()["organization"]["name_ar"] == "أمانة المنطقة الشرقية"
