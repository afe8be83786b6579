"""Campaigns journeys through the gateway of a running hub (`govhub run`, its worker and
the demo data): initiatives and KPIs read by a ministry, and a crisis activation whose
inquiry tagging is done by the real worker."""

from __future__ import annotations

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


def wait_for(check, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not get there in time")


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
