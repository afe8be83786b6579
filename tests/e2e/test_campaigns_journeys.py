"""Campaigns journeys through the gateway of a running hub (`govhub run`, its worker and
the demo data): initiatives and KPIs read by a ministry, and a crisis activation whose
inquiry tagging is done by the real worker."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.database import DatabaseFactory
from tests.e2e.stack import DEMO_PASSWORD, Stack, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def hub(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    DATABASE["url"] = module_database
    running = start_stack(module_database, tmp_path_factory.mktemp("hub") / "data")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(hub: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.base, timeout=30) as client:
        yield client


def login(api: httpx.Client, username: str) -> dict[str, str]:
    response = api.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def org_id(api: httpx.Client, headers: dict[str, str], code: str) -> str:
    items = api.get("/v1/organizations", params={"limit": 500}, headers=headers).json()["items"]
    return next(o["id"] for o in items if o["code"] == code)


def test_a_ministry_reads_the_demo_initiatives_and_its_scorecard(api: httpx.Client) -> None:
    admin = login(api, "momrah.admin")
    ministry = org_id(api, admin, "MOMRAH")
    initiatives = api.get("/v1/initiatives", params={"limit": 100}, headers=admin).json()
    assert len(initiatives["items"]) >= 6  # the Saudi ministry's tree
    assert {i["status"] for i in initiatives["items"]} >= {"in_progress", "approved"}
    overdue = api.get(
        "/v1/milestones", params={"overdue": "true", "organization_id": ministry}, headers=admin
    ).json()
    assert overdue["items"], "the demo has overdue milestones"
    public = api.get("/v1/public/initiatives").json()
    assert public["items"] and "participating_organization_ids" not in public["items"][0]
    year = time.gmtime().tm_year
    card = api.get(
        "/v1/scorecards", params={"organization_id": ministry, "period": str(year)}, headers=admin
    )
    assert card.status_code == 200, card.text
    assert sum(card.json()["counts"].values()) >= 3


OUTBOX_STATE = """
import asyncio, sys, asyncpg
async def main():
    conn = await asyncpg.connect(sys.argv[1])
    rows = await conn.fetch(
        "SELECT event_type, status, attempts, last_error FROM common_outbox"
        " WHERE status <> 'delivered' ORDER BY created_at DESC LIMIT 20")
    print([tuple(r) for r in rows])
    await conn.close()
asyncio.run(main())
"""
DATABASE: dict[str, str] = {}


def undelivered() -> str:
    """What the worker has not delivered yet (with the last error of each), for a message."""
    if "url" not in DATABASE:
        return "?"
    found = subprocess.run(
        [sys.executable, "-c", OUTBOX_STATE, DATABASE["url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return found.stdout.strip() or found.stderr.strip()[-2000:]


def wait_for(check, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"the worker did not get there in time; undelivered: {undelivered()}")


def test_a_crisis_activation_tags_inquiries_through_the_worker(api: httpx.Client) -> None:
    eastern_admin = login(api, "eastern.admin")
    eastern = org_id(api, eastern_admin, "EASTERN")

    def write(subject: str, body: str) -> str:
        response = api.post(
            "/v1/inquiries",
            json={
                "kind": "complaint",
                "channel": "website",
                "organization_id": eastern,
                "subject": subject,
                "body": body,
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    before = write("تجمع مياه الأمطار أمام المدرسة", "المياه تغمر الطريق منذ الصباح")
    playbook = api.get("/v1/crisis-playbooks", headers=eastern_admin).json()["items"][0]
    activated = api.post(
        f"/v1/crisis-playbooks/{playbook['id']}/activate",
        json={"level": 2, "organization_id": eastern},
        headers=eastern_admin,
    )
    assert activated.status_code == 201, activated.text
    activation = activated.json()
    after = write("سيول في النفق الشمالي", "السيارات عالقة في النفق")
    unrelated = write("طلب رخصة محل تجاري", "أرغب في الاستفسار عن رخصة")

    def tagged() -> set[str]:
        listed = api.get(
            "/v1/inquiries", params={"tag": activation["tag"]}, headers=eastern_admin
        ).json()
        return {i["id"] for i in listed["items"]}

    wait_for(lambda: {before, after} <= tagged())
    assert unrelated not in tagged()
    live = api.get(f"/v1/crisis-activations/{activation['id']}", headers=eastern_admin).json()
    assert live["counts"]["tagged"] >= 2
    closed = api.post(f"/v1/crisis-activations/{activation['id']}/close", headers=eastern_admin)
    assert closed.json()["status"] == "closed"
    late = write("سيول جديدة بعد انتهاء الأزمة", "تجمع مياه")
    # a marker inquiry of another activation shows that the worker has moved past `late`
    second = api.post(
        f"/v1/crisis-playbooks/{playbook['id']}/activate",
        json={"level": 1, "organization_id": eastern},
        headers=eastern_admin,
    ).json()
    marker = write("أمطار غزيرة", "تجمع مياه في الحي")

    def marked() -> bool:
        listed = api.get(
            "/v1/inquiries", params={"tag": second["tag"]}, headers=eastern_admin
        ).json()
        return marker in {i["id"] for i in listed["items"]}

    wait_for(marked)
    # the worker handles events concurrently: the close may still be on its way, but once
    # handled, `late` carries no tag (a tag that stayed would time this out)
    wait_for(lambda: late not in tagged())


def test_approved_flights_are_on_the_calendar_and_a_crisis_suspends_it(api: httpx.Client) -> None:
    """Through the real worker: approving a campaign puts its flights on the calendar's range
    query, moving a flight moves the entry, cancelling the campaign cancels it; a crisis
    activated with `suspend_calendar` suspends the scope's approved entries and its close
    lifts the suspension."""
    coordinator = login(api, "riyadh.coordinator")
    riyadh_admin = login(api, "riyadh.admin")
    media = org_id(api, coordinator, "RIYADH-MEDIA")
    year = time.gmtime().tm_year + 1
    created = api.post(
        "/v1/campaigns",
        json={
            "code": f"E2E-FLIGHTS-{time.time_ns()}",
            "title_ar": "حملة التوعية بسلامة الغذاء في رمضان",
            "type": "awareness",
            "organization_id": media,
            "objective_ar": "رفع وعي الأسر بسلامة الغذاء",
            "audiences": ["families"],
            "channels": ["x"],
            "start_date": f"{year}-02-01",
            "end_date": f"{year}-03-31",
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    campaign = created.json()
    flight = api.post(
        f"/v1/campaigns/{campaign['id']}/flights",
        json={"channel": "x", "start_date": f"{year}-02-10", "end_date": f"{year}-02-20"},
        headers=coordinator,
    )
    assert flight.status_code == 201, flight.text
    submitted = api.post(f"/v1/campaigns/{campaign['id']}/submit", headers=coordinator)
    assert submitted.status_code == 200, submitted.text
    approved = api.post(f"/v1/campaigns/{campaign['id']}/approve", headers=riyadh_admin)
    assert approved.status_code == 200, approved.text
    window = {
        "from": f"{year}-01-01T00:00:00Z",
        "to": f"{year}-05-01T00:00:00Z",
        "campaign_id": campaign["id"],
    }

    def entries(**extra: str) -> list[dict]:
        found = api.get("/v1/calendar/entries", params={**window, **extra}, headers=coordinator)
        assert found.status_code == 200, found.text
        return list(found.json()["items"])

    wait_for(
        lambda: (
            [(e["start_date"], e["status"]) for e in entries()] == [(f"{year}-02-10", "approved")]
        )
    )
    [entry] = entries()
    assert entry["kind"] == "campaign_flight"
    current = api.get(f"/v1/flights/{flight.json()['id']}", headers=coordinator)
    moved = api.patch(
        f"/v1/flights/{flight.json()['id']}",
        json={"start_date": f"{year}-03-01", "end_date": f"{year}-03-10"},
        headers={**coordinator, "If-Match": current.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    wait_for(
        lambda: (
            [(e["start_date"], e["end_date"]) for e in entries()]
            == [(f"{year}-03-01", f"{year}-03-10")]
        )
    )

    # a crisis in the capital with the calendar suspended: today's approved post pauses
    today = time.strftime("%Y-%m-%d", time.gmtime())
    post = api.post(
        "/v1/calendar/entries",
        json={
            "organization_id": media,
            "kind": "social_post",
            "title_ar": "منشور توعوي عن ترشيد المياه",
            "all_day": True,
            "start_date": today,
            "end_date": today,
        },
        headers=coordinator,
    )
    assert post.status_code == 201, post.text
    post_url = f"/v1/calendar/entries/{post.json()['id']}"
    assert api.post(f"{post_url}/submit", headers=coordinator).status_code == 200
    decided = api.post(f"{post_url}/approve", headers=riyadh_admin)
    assert decided.status_code == 200, decided.text

    def post_status() -> str:
        return str(api.get(post_url, headers=coordinator).json()["status"])

    assert post_status() == "approved"
    riyadh = org_id(api, riyadh_admin, "RIYADH")
    playbook = api.post(
        "/v1/crisis-playbooks",
        json={
            "organization_id": riyadh,
            "scenario_ar": "انقطاع واسع للمياه",
            "levels": [{"level": 1, "criteria_ar": "انقطاع في أكثر من حي"}],
            "channels": ["x"],
            "keywords": ["انقطاع المياه"],
        },
        headers=riyadh_admin,
    )
    assert playbook.status_code == 201, playbook.text
    activation = api.post(
        f"/v1/crisis-playbooks/{playbook.json()['id']}/activate",
        json={"level": 1, "organization_id": riyadh, "suspend_calendar": True},
        headers=riyadh_admin,
    )
    assert activation.status_code == 201, activation.text
    wait_for(lambda: post_status() == "suspended")
    assert [e["status"] for e in entries()] == ["approved"]  # next year's flight: outside
    closed = api.post(
        f"/v1/crisis-activations/{activation.json()['id']}/close", headers=riyadh_admin
    )
    assert closed.status_code == 200, closed.text
    wait_for(lambda: post_status() == "approved")

    cancelled = api.post(f"/v1/campaigns/{campaign['id']}/cancel", headers=riyadh_admin)
    assert cancelled.status_code == 200, cancelled.text
    try:
        wait_for(lambda: [e["status"] for e in entries(status="cancelled")] == ["cancelled"], 180)
    except AssertionError:
        raise AssertionError(f"not cancelled on the calendar: {entries()}") from None


def test_the_built_in_inquiry_kpis_match_the_inquiries_stats(api: httpx.Client) -> None:
    """The campaigns service's inquiry KPIs, fed by the real worker from the inquiries
    service's events (the demo's months of inquiries), equal `GET /v1/inquiries/stats` for
    the same organization and month."""
    admin = login(api, "riyadh.admin")
    riyadh = org_id(api, admin, "RIYADH")
    now = time.time()
    months = sorted({time.strftime("%Y-%m", time.gmtime(now - days * 86400)) for days in (0, 31)})

    def same(period: str) -> bool:
        year, month = (int(part) for part in period.split("-"))
        after = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
        stats = api.get(
            "/v1/inquiries/stats",
            params={
                "organization_id": riyadh,
                "from": f"{period}-01T00:00:00+03:00",
                "to": f"{after}-01T00:00:00+03:00",
            },
            headers=admin,
        ).json()
        kpis = api.get(
            "/v1/kpis/inquiries",
            params={"organization_id": riyadh, "period": period},
            headers=admin,
        ).json()
        return bool(
            kpis["volume"] == stats["total"]
            and all(
                kpis[target][name] == stats[target][name]
                for target in ("first_response", "resolution")
                for name in ("met", "missed", "compliance_percent")
            )
            and kpis["satisfaction_average"] == stats["satisfaction"]["average_rating"]
            and kpis["satisfaction_responses"] == stats["satisfaction"]["responses"]
        )

    volumes = []
    for period in months:
        wait_for(lambda period=period: same(period), 240)
        volumes.append(
            api.get(
                "/v1/kpis/inquiries",
                params={"organization_id": riyadh, "period": period},
                headers=admin,
            ).json()["volume"]
        )
    assert sum(volumes) > 0  # the demo's inquiries were counted, not two empty months
