"""Open311 GeoReport v2 at /open311/v2/: every answer, JSON and XML, validates against the
schemas kept in tests/inquiries/open311_schema/; requests go through the inquiries service;
GETs are public and leak nothing private."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.inquiries.factories import World, mint_token
from tests.inquiries.open311_schemas import SCHEMA_DIR, parse_xml, validate

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded"
WRITER_SECRET = "writer-secret-" + "x" * 32
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def test_the_schemas_are_kept_in_the_repository():
    assert (SCHEMA_DIR / "request.json").is_file(), SCHEMA_DIR


# --- the hub ---------------------------------------------------------------------------------


@dataclass
class Hub:
    client: httpx.AsyncClient
    world: World
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str, kind: str, fmt: str = "json", **params: Any) -> Any:
        """GET `path`.`fmt`, 200 expected; the body validated and returned as JSON data."""
        response = await self.client.get(f"{BASE}/{path}.{fmt}", params=params)
        assert response.status_code == 200, response.text
        return checked(response, kind, fmt)

    async def both(self, path: str, kind: str, **params: Any) -> Any:
        """The JSON and the XML answers, which must say the same."""
        as_json = await self.get(path, kind, "json", **params)
        as_xml = await self.get(path, kind, "xml", **params)
        assert as_xml == as_json
        return as_json

    async def post(
        self, fmt: str = "json", *, key: str | None = "writer", **fields: Any
    ) -> httpx.Response:
        form = {
            "jurisdiction_id": "riyadh",
            "service_code": "water-leak",
            "lat": "24.7136",
            "long": "46.6753",
            "description": "تسرب مياه أمام المنزل رقم ١٢",
        }
        if key is not None:
            form["api_key"] = self.keys.get(key, key)
        form.update({k: v for k, v in fields.items() if v is not None})
        for name in [k for k, v in fields.items() if v is None]:
            form.pop(name, None)
        return await self.client.post(f"{BASE}/requests.{fmt}", data=form)

    async def create(self, **fields: Any) -> str:
        response = await self.post(**fields)
        assert response.status_code == 200, response.text
        receipts = checked(response, "receipts")
        return str(receipts[0]["service_request_id"])

    async def staff_inquiry(self, reference: str, who: str = "agent@R") -> dict[str, Any]:
        response = await self.client.get(
            "/v1/inquiries", params={"limit": 500}, headers=self.world.auth(who)
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = [
            i for i in response.json()["items"] if i["reference"] == reference
        ]
        assert len(found) == 1, reference
        return found[0]


def checked(response: httpx.Response, kind: str, fmt: str = "json") -> Any:
    """The body of an Open311 answer, validated (XML parsed into the JSON structure)."""
    if fmt == "xml":
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        document = parse_xml(response.content)
    else:
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        document = response.json()
    validate(kind, document)
    return document


def errors(response: httpx.Response, status: int, fmt: str = "json") -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    body = checked(response, "errors", fmt)
    assert all(e["code"] == status for e in body)
    return list(body)


async def category(hub: Hub, org: str, code: str, **fields: Any) -> dict[str, Any]:
    response = await hub.client.post(
        "/v1/inquiry-categories",
        headers=hub.world.auth(f"org_admin@{org}" if org != "S" else "admin"),
        json={"organization_id": str(hub.world.orgs[org]), "code": code, **fields},
    )
    assert response.status_code == 201, response.text
    hub.categories[code] = response.json()
    return hub.categories[code]


async def machine_client(
    world: World, name: str, scopes: list[str], *, active: bool = True, org: str = "R"
) -> str:
    """A directory machine client (as `POST /v1/api-clients` stores it); its api_key."""
    client_id = f"ghc_{name}_{uuid.uuid4().hex[:8]}"
    secret = f"{name}-secret-" + "x" * 32
    await world.directory.conn.execute(
        "INSERT INTO directory_api_client (id, client_id, name, organization_id, scopes, "
        "secret_hash, active) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uuid.uuid4(),
        client_id,
        name,
        world.orgs[org],
        scopes,
        "sha256$" + hashlib.sha256(secret.encode()).hexdigest(),
        active,
    )
    return f"{client_id}:{secret}"


@pytest.fixture
async def hub(client, world) -> Hub:
    """M (code `moma`) offers graffiti and roads to everything below it; R (`riyadh`)
    offers water-leak, its own roads and roads/potholes, and has a private and a retired
    category; S (`eastern`) offers lighting. A (`olaya`, below R) inherits R's and M's."""
    hub = Hub(client, world)
    await category(hub, "M", "graffiti", name_ar="الكتابة على الجدران", public=True)
    await category(hub, "M", "roads", name_ar="طرق الوزارة", public=True)
    hub.categories["ministry-roads"] = hub.categories.pop("roads")
    await category(
        hub,
        "R",
        "water-leak",
        name_ar="تسرب المياه",
        name_en="Water leak",
        description_ar="بلاغات تسرب المياه في الشوارع",
        description_en="Water leaks in the streets",
        public=True,
    )
    roads = await category(hub, "R", "roads", name_ar="الطرق", name_en="Roads", public=True)
    await category(
        hub,
        "R",
        "potholes",
        name_ar="الحفر",
        name_en="Potholes",
        parent_id=roads["id"],
        public=True,
    )
    await category(hub, "R", "internal", name_ar="داخلي", public=False)
    await category(hub, "R", "retired", name_ar="متوقف", public=True, active=False)
    await category(hub, "S", "lighting", name_ar="الإنارة", public=True)
    hub.keys["writer"] = await machine_client(world, "writer", ["inquiries:write"])
    hub.keys["reader"] = await machine_client(world, "reader", ["inquiries:read"])
    hub.keys["disabled"] = await machine_client(
        world, "disabled", ["inquiries:write"], active=False
    )
    return hub


# --- discovery, services, definitions --------------------------------------------------------


async def test_discovery(hub):
    document = await hub.both("discovery", "discovery")
    [endpoint] = document["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    behind_gateway = await hub.client.get(
        f"{BASE}/discovery.json",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example.sa"},
    )
    assert behind_gateway.json()["endpoints"][0]["url"] == "https://hub.example.sa/open311/v2"


async def test_services_are_the_public_active_categories(hub):
    services = await hub.both("services", "services", jurisdiction_id="riyadh")
    codes = ["graffiti", "potholes", "roads", "water-leak"]
    assert [s["service_code"] for s in services] == codes
    assert services[2]["service_name"] == "الطرق"  # its own roads, not the ministry's
    water = services[3]
    assert water == {
        "service_code": "water-leak",
        "service_name": "تسرب المياه",
        "description": "بلاغات تسرب المياه في الشوارع",
        "metadata": False,
        "type": "realtime",
        "keywords": "تسرب المياه, Water leak",
        "group": None,
    }
    assert services[1]["group"] == "الطرق"
    english = await hub.client.get(
        f"{BASE}/services.json",
        params={"jurisdiction_id": "riyadh"},
        headers={"Accept-Language": "en"},
    )
    names = {s["service_code"]: s["service_name"] for s in checked(english, "services")}
    assert names["water-leak"] == "Water leak" and names["potholes"] == "Potholes"
    assert english.headers["content-language"] == "en"
    # categories apply down the tree: the nearest organization's wins on a shared code
    olaya = await hub.both("services", "services", jurisdiction_id="olaya")
    assert olaya == services
    eastern = await hub.both("services", "services", jurisdiction_id="eastern")
    assert [(s["service_code"], s["service_name"]) for s in eastern] == [
        ("graffiti", "الكتابة على الجدران"),
        ("lighting", "الإنارة"),
        ("roads", "طرق الوزارة"),
    ]
    ministry = await hub.both("services", "services", jurisdiction_id="moma")
    assert [s["service_code"] for s in ministry] == ["graffiti", "roads"]


async def test_jurisdiction_is_required_with_several_and_unknown_is_404(hub):
    for fmt in ("json", "xml"):
        missing = await hub.client.get(f"{BASE}/services.{fmt}")
        assert "jurisdiction_id" in errors(missing, 400, fmt)[0]["description"]
        unknown = await hub.client.get(f"{BASE}/services.{fmt}", params={"jurisdiction_id": "xx"})
        errors(unknown, 404, fmt)
        request = await hub.client.get(f"{BASE}/requests.{fmt}", params={"jurisdiction_id": "x"})
        errors(request, 404, fmt)
    # once only one organization owns public services, it is the default
    for code in ("lighting", "graffiti", "ministry-roads"):
        response = await hub.client.patch(
            f"/v1/inquiry-categories/{hub.categories[code]['id']}",
            headers=hub.world.auth("admin"),
            json={"public": False},
        )
        assert response.status_code == 200, response.text
    services = await hub.both("services", "services")
    assert {s["service_code"] for s in services} == {"potholes", "roads", "water-leak"}
    requests = await hub.both("requests", "requests")
    assert requests == []


async def test_service_definition(hub):
    definition = await hub.both(
        "services/water-leak", "service_definition", jurisdiction_id="riyadh"
    )
    assert definition == {"service_code": "water-leak", "attributes": []}
    inherited = await hub.both("services/graffiti", "service_definition", jurisdiction_id="olaya")
    assert inherited == {"service_code": "graffiti", "attributes": []}
    for code in ("nothing", "internal", "retired", "lighting"):
        for fmt in ("json", "xml"):
            response = await hub.client.get(
                f"{BASE}/services/{code}.{fmt}", params={"jurisdiction_id": "riyadh"}
            )
            assert code in errors(response, 404, fmt)[0]["description"]


# --- POST requests ---------------------------------------------------------------------------


async def test_a_request_becomes_one_inquiry_seen_by_staff(hub):
    response = await hub.post(
        first_name="محمد",
        last_name="عبدالله",
        phone="+966 50 123 4567",
        email="citizen@example.sa",
        address_string="حي النزهة، الرياض",
        media_url="https://example.sa/photos/leak.jpg",
        device_id="device-42",
        account_id="account-7",
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    [receipt] = checked(response, "receipts")
    reference = receipt["service_request_id"]
    assert re.fullmatch(r"INQ-\d{4}-\d{6}", reference)
    assert receipt["account_id"] == "account-7"
    assert "ساعة عمل" in receipt["service_notice"]
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}

    inquiry = await hub.staff_inquiry(reference)
    assert inquiry["kind"] == "request" and inquiry["status"] == "new"
    assert inquiry["channel"] == "app"  # the ministry's app channel, inherited
    assert inquiry["category_id"] == hub.categories["water-leak"]["id"]
    assert inquiry["organization_id"] == str(hub.world.orgs["R"])
    assert inquiry["body"] == "تسرب مياه أمام المنزل رقم ١٢"
    assert inquiry["subject"] == "تسرب مياه أمام المنزل رقم ١٢"
    assert inquiry["contact"] == {
        "name": "محمد عبدالله",
        "phone": "+966501234567",
        "email": "citizen@example.sa",
    }
    assert inquiry["location"] == {"lat": 24.7136, "long": 46.6753, "address": "حي النزهة، الرياض"}
    assert inquiry["created_by_type"] == "client"
    # what inquiries have no column for is kept for staff in an internal note
    messages = await hub.client.get(
        f"/v1/inquiries/{inquiry['id']}/messages", headers=hub.world.auth("agent@R")
    )
    [note] = messages.json()["items"]
    assert note["visibility"] == "internal" and note["author_type"] == "system"
    assert "media_url: https://example.sa/photos/leak.jpg" in note["body"]
    assert "device_id: device-42" in note["body"] and "account_id: account-7" in note["body"]
    # the outbox and the audit saw the creation (the inquiries service did it)
    events = await hub.world.directory.conn.fetch(
        "SELECT event_type FROM common_outbox WHERE aggregate_id = $1",
        uuid.UUID(inquiry["id"]),
    )
    assert [e[0] for e in events] == ["inquiry.created"]

    # public reading: the request, and nothing private
    for fmt in ("json", "xml"):
        [public] = await hub.get(f"requests/{reference}", "requests", fmt, jurisdiction_id="riyadh")
        assert set(public) == REQUEST_FIELDS
        assert public["status"] == "open" and public["service_code"] == "water-leak"
        assert public["agency_responsible"] == "أمانة منطقة الرياض"
        assert public["expected_datetime"] == _utc(inquiry["resolution_due"])
        assert public["requested_datetime"] == _utc(inquiry["created_at"])
        assert (public["lat"], public["long"]) == (24.7136, 46.6753)
        assert public["address"] == "حي النزهة، الرياض"
        raw = (
            await hub.client.get(
                f"{BASE}/requests/{reference}.{fmt}", params={"jurisdiction_id": "riyadh"}
            )
        ).text
        for private in ("+966501234567", "citizen@example.sa", "محمد عبدالله", "device-42"):
            assert private not in raw
    # the singular path of swagger.json, and tokens (a request's token is its id)
    singular = await hub.get(f"request/{reference}", "requests", jurisdiction_id="riyadh")
    assert singular[0]["service_request_id"] == reference
    for fmt in ("json", "xml"):
        tokens = await hub.get(f"tokens/{reference}", "tokens", fmt, jurisdiction_id="riyadh")
        assert tokens == [{"service_request_id": reference, "token": reference}]
        unknown = await hub.client.get(
            f"{BASE}/tokens/INQ-1999-000001.{fmt}", params={"jurisdiction_id": "riyadh"}
        )
        errors(unknown, 404, fmt)


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).isoformat(timespec="seconds")


async def test_xml_post_and_idempotent_retry(hub):
    response = await hub.post("xml", service_code="potholes", description="حفرة عميقة")
    assert response.status_code == 200, response.text
    [receipt] = checked(response, "receipts", "xml")
    assert "account_id" not in receipt  # none sent (swagger.json: a string when present)
    inquiry = await hub.staff_inquiry(receipt["service_request_id"])
    assert inquiry["category_id"] == hub.categories["potholes"]["id"]

    form = {
        "jurisdiction_id": "riyadh",
        "api_key": hub.keys["writer"],
        "service_code": "roads",
        "address_string": "طريق الملك فهد",
    }
    headers = {"Idempotency-Key": "open311-retry-1"}
    first = await hub.client.post(f"{BASE}/requests.json", data=form, headers=headers)
    again = await hub.client.post(f"{BASE}/requests.json", data=form, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert checked(again, "receipts") == checked(first, "receipts")
    listed = await hub.client.get("/v1/inquiries", headers=hub.world.auth("agent@R"))
    roads = [i for i in listed.json()["items"] if i["category_id"] == hub.categories["roads"]["id"]]
    assert len(roads) == 1
    # without a description the subject and body are the service name
    assert roads[0]["subject"] == roads[0]["body"] == "الطرق"


async def test_inherited_services_go_to_the_jurisdiction_and_lists_cover_its_subtree(hub):
    # olaya files with riyadh's water-leak: the municipality receives it (channel: the
    # ministry's app); eastern files with the ministry's roads: the region receives it
    olaya = await hub.create(jurisdiction_id="olaya", service_code="water-leak")
    inquiry = await hub.staff_inquiry(olaya, who="agent@A")
    assert inquiry["organization_id"] == str(hub.world.orgs["A"])
    assert inquiry["category_id"] == hub.categories["water-leak"]["id"]
    assert inquiry["channel"] == "app"
    eastern = await hub.create(jurisdiction_id="eastern", service_code="roads")
    inquiry = await hub.staff_inquiry(eastern, who="agent@S")
    assert inquiry["organization_id"] == str(hub.world.orgs["S"])
    assert inquiry["category_id"] == hub.categories["ministry-roads"]["id"]
    riyadh = await hub.create(jurisdiction_id="riyadh", service_code="roads")

    async def listed(jurisdiction: str) -> dict[str, str]:
        found = await hub.both("requests", "requests", jurisdiction_id=jurisdiction)
        return {r["service_request_id"]: r["agency_responsible"] for r in found}

    assert await listed("riyadh") == {riyadh: "أمانة منطقة الرياض", olaya: "بلدية العليا"}
    assert await listed("olaya") == {olaya: "بلدية العليا"}
    assert await listed("eastern") == {eastern: "أمانة المنطقة الشرقية"}
    assert set(await listed("moma")) == {riyadh, olaya, eastern}
    [one] = await hub.get(f"requests/{eastern}", "requests", jurisdiction_id="eastern")
    assert (one["service_code"], one["service_name"]) == ("roads", "طرق الوزارة")
    for jurisdiction in ("riyadh", "olaya"):
        response = await hub.client.get(
            f"{BASE}/requests/{eastern}.json", params={"jurisdiction_id": jurisdiction}
        )
        errors(response, 404)
    # a transfer moves the request to the receiving organization's list (re-categorized:
    # a category that does not apply there is cleared, and the request is public no more)
    transferred = await hub.staff_inquiry(riyadh, who="coordinator@R")
    response = await hub.client.post(
        f"/v1/inquiries/{transferred['id']}/transfer",
        headers=hub.world.auth("admin"),
        json={
            "organization_id": str(hub.world.orgs["S"]),
            "reason": "خارج النطاق",
            "category_id": hub.categories["ministry-roads"]["id"],
        },
    )
    assert response.status_code == 200, response.text
    assert await listed("eastern") == {
        riyadh: "أمانة المنطقة الشرقية",
        eastern: "أمانة المنطقة الشرقية",
    }
    assert riyadh not in await listed("riyadh")


async def test_api_key_and_bearer_tokens(hub):
    world = hub.world
    for key in (None, "", "writer-without-colon", "ghc_nobody:secret", "reader", "disabled"):
        for fmt in ("json", "xml"):
            errors(await hub.post(fmt, key=key), 403, fmt)
    wrong_secret = hub.keys["writer"].split(":")[0] + ":not-the-secret"
    errors(await hub.post(key=wrong_secret), 403)
    # the api_key may come in the query string, as swagger.json describes
    response = await hub.client.post(
        f"{BASE}/requests.json",
        params={"api_key": hub.keys["writer"]},
        data={"jurisdiction_id": "riyadh", "service_code": "roads", "address_string": "حي"},
    )
    assert response.status_code == 200, response.text
    # a bearer token works instead of an api_key: with inquiries:write only
    writer = mint_token(
        world.settings, sub="client-x", org=world.orgs["S"], scope="inquiries:write", kind="client"
    )
    reader = mint_token(
        world.settings, sub="client-y", org=world.orgs["S"], scope="inquiries:read", kind="client"
    )
    for token, status in ((writer, 200), (reader, 403), ("not-a-jwt", 403)):
        response = await hub.client.post(
            f"{BASE}/requests.json",
            headers={"Authorization": f"Bearer {token}"},
            data={"jurisdiction_id": "riyadh", "service_code": "roads", "lat": "24", "long": "46"},
        )
        assert response.status_code == status, response.text
        checked(response, "receipts" if status == 200 else "errors")
    listed = await hub.client.get("/v1/inquiries", headers=world.auth("agent@R"))
    assert len(listed.json()["items"]) == 2


async def test_bad_requests_get_the_spec_errors(hub):
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nothing"}, 400, "service_code"),
        ({"service_code": "internal"}, 400, "service_code"),
        ({"service_code": "retired"}, 400, "service_code"),
        ({"service_code": "lighting"}, 400, "service_code"),  # another jurisdiction's
        ({"lat": None, "long": None}, 400, "lat"),
        ({"long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_id": "A-1"}, 400, "address_id"),
        ({"lat": "95"}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"phone": "0501234567"}, 400, "phone"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"description": "ا" * 4001}, 400, "description"),
        ({"description": "nul \x00 byte"}, 400, "description"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction_id"),
    ]
    for fields, status, word in cases:
        for fmt in ("json", "xml"):
            found = errors(await hub.post(fmt, **fields), status, fmt)
            assert any(word in e["description"] for e in found), (fields, found)
    english = await hub.client.post(
        f"{BASE}/requests.json",
        data={"api_key": hub.keys["writer"], "jurisdiction_id": "riyadh"},
        headers={"Accept-Language": "en"},
    )
    assert errors(english, 400)[0]["description"] == "service_code was not provided"
    as_json = await hub.client.post(
        f"{BASE}/requests.json", json={"api_key": hub.keys["writer"], "service_code": "roads"}
    )
    errors(as_json, 400)
    listed = await hub.client.get("/v1/inquiries", headers=hub.world.auth("agent@R"))
    assert listed.json()["items"] == []


async def test_oversize_bodies_stay_413_problems(hub, make_client):
    from services.inquiries.app import create_app

    small = await make_client(create_app, max_body_bytes=2048)
    form = f"api_key={hub.keys['writer']}&jurisdiction_id=riyadh&service_code=roads&lat=1&long=1"

    async def chunks():
        yield (form + "&description=").encode()
        for _ in range(10):
            yield b"x" * 500

    for content in (chunks(), (form + "&description=" + "x" * 5000).encode()):
        response = await small.post(
            f"{BASE}/requests.json", content=content, headers={"content-type": FORM}
        )
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
    listed = await hub.client.get("/v1/inquiries", headers=hub.world.auth("agent@R"))
    assert listed.json()["items"] == []


async def test_unknown_paths_and_formats(hub):
    errors(await hub.client.get(f"{BASE}/nothing.json"), 404)
    errors(await hub.client.get(f"{BASE}/nothing.xml"), 404, "xml")
    errors(await hub.client.get(f"{BASE}/services.html", params={"jurisdiction_id": "x"}), 400)
    missing = await hub.client.get(f"{BASE}/requests/INQ-2026-999999.xml")
    errors(missing, 400, "xml")  # several jurisdictions: which one?
    missing = await hub.client.get(
        f"{BASE}/requests/INQ-2026-999999.xml", params={"jurisdiction_id": "riyadh"}
    )
    errors(missing, 404, "xml")


# --- escaping ----------------------------------------------------------------------------------


async def test_text_is_stored_as_sent_and_returned_escaped(hub):
    description = (
        "<script>alert('x')</script> تسرب & \"مياه\" 💧 ]]> <![CDATA[ x ]]>\r\n"
        "السطر الثاني\twith a tab\x0b"
    )
    address = "حي <b>النزهة</b> & الرياض"
    reference = await hub.create(description=description, address_string=address)
    inquiry = await hub.staff_inquiry(reference)
    assert inquiry["body"] == description  # stored exactly as sent
    assert inquiry["subject"] == description.splitlines()[0]

    params = {"jurisdiction_id": "riyadh"}
    as_json = await hub.client.get(f"{BASE}/requests/{reference}.json", params=params)
    [public] = checked(as_json, "requests")
    assert public["description"] == description and public["address"] == address
    assert "السطر الثاني" in as_json.text  # UTF-8, not \\u escapes

    as_xml = await hub.client.get(f"{BASE}/requests/{reference}.xml", params=params)
    raw = as_xml.content.decode("utf-8")
    assert "<script>" not in raw and "<b>" not in raw
    assert "&lt;script&gt;" in raw and "&amp;" in raw and "السطر الثاني" in raw
    [parsed] = checked(as_xml, "requests", "xml")
    # XML 1.0 cannot carry U+000B: it reads back as U+FFFD; everything else round-trips
    assert parsed["description"] == description.replace("\x0b", "\ufffd")
    assert parsed["address"] == address
    listed = await hub.get("requests", "requests", "xml", jurisdiction_id="riyadh")
    assert listed[0]["description"] == parsed["description"]


# --- GET requests: filters and pages -----------------------------------------------------------


async def listed_ids(hub: Hub, **params: Any) -> list[str]:
    found = await hub.both("requests", "requests", jurisdiction_id="riyadh", **params)
    return [r["service_request_id"] for r in found]


async def staff(hub: Hub, path: str, body: dict[str, Any], who: str) -> None:
    response = await hub.client.post(path, json=body, headers=hub.world.auth(who))
    assert response.status_code < 300, response.text


async def test_requests_list_filters_and_pages(hub, fake_clock):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    fake_clock.set(start - timedelta(days=100))
    old = await hub.create(description="قديم")
    references = []
    for day in range(5):
        fake_clock.set(start + timedelta(days=day))
        references.append(await hub.create(description=f"بلاغ {day}", service_code="roads"))
    fake_clock.set(start + timedelta(days=5))
    # not public: a media request in a public category, an inquiry in a private category,
    # and another jurisdiction's request
    created = await hub.client.post(
        "/v1/inquiries",
        headers=hub.world.auth("agent@R"),
        json={
            "kind": "media_request",
            "channel": "phone",
            "subject": "سؤال صحفي",
            "body": "نص",
            "category_id": hub.categories["roads"]["id"],
            "organization_id": str(hub.world.orgs["R"]),
            "outlet": "صحيفة",
            "deadline": (start + timedelta(days=20)).isoformat(),
            "contact": {"email": "press@example.sa"},
        },
    )
    assert created.status_code == 201, created.text
    media = created.json()["reference"]
    created = await hub.client.post(
        "/v1/inquiries",
        headers=hub.world.auth("agent@R"),
        json={
            "kind": "complaint",
            "channel": "phone",
            "subject": "داخلي",
            "body": "نص",
            "category_id": hub.categories["internal"]["id"],
        },
    )
    assert created.status_code == 201, created.text
    private = created.json()["reference"]
    eastern = await hub.create(jurisdiction_id="eastern", service_code="lighting")
    # one resolved, one rejected
    resolved = await hub.staff_inquiry(references[1])
    await staff(
        hub,
        f"/v1/inquiries/{resolved['id']}/assign",
        {"assignee_id": str(hub.world.users["agent@R"])},
        "coordinator@R",
    )
    await staff(
        hub, f"/v1/inquiries/{resolved['id']}/resolve", {"resolution": "تم الإصلاح"}, "agent@R"
    )
    rejected = await hub.staff_inquiry(references[3])
    await staff(hub, f"/v1/inquiries/{rejected['id']}/reject", {"reason": "مكرر"}, "agent@R")

    newest_first = list(reversed(references))
    # the default window (the last 90 days) leaves out the old one
    assert await listed_ids(hub) == newest_first
    closed = await hub.both("requests", "requests", jurisdiction_id="riyadh", status="closed")
    assert {r["service_request_id"]: r["status_notes"] for r in closed} == {
        references[3]: "مرفوض: مكرر",
        references[1]: "تم الحل: تم الإصلاح",
    }
    assert all(r["status"] == "closed" for r in closed)
    r0, r1, r2, r3, r4 = references
    assert await listed_ids(hub, status="open") == [r4, r2, r0]
    assert await listed_ids(hub, status="open,closed") == newest_first
    window = {"start_date": start + timedelta(days=1), "end_date": start + timedelta(days=3)}
    assert await listed_ids(hub, **{k: v.isoformat() for k, v in window.items()}) == [r3, r2, r1]
    since = (start - timedelta(days=101)).isoformat().replace("+00:00", "Z")
    assert await listed_ids(hub, start_date=since) == [old]
    # the old water-leak request is outside the default window
    assert await listed_ids(hub, service_code="water-leak") == []
    assert await listed_ids(hub, service_code="water-leak,roads", status="closed") == [r3, r1]
    by_id = await listed_ids(
        hub,
        service_request_id=f"{old},{r0},{media},{private},{eastern},INQ-1-1",
        status="closed",  # overridden by service_request_id
    )
    assert by_id == [r0, old]
    for reference in (media, private, eastern):
        response = await hub.client.get(
            f"{BASE}/requests/{reference}.json", params={"jurisdiction_id": "riyadh"}
        )
        errors(response, 404)
    eastern_list = await hub.both("requests", "requests", jurisdiction_id="eastern")
    assert [r["service_request_id"] for r in eastern_list] == [eastern]

    # pages: page/page_size, and the Link header's keyset cursor
    pages, link_pages = [], []
    for number in (1, 2, 3, 4):
        response = await hub.client.get(
            f"{BASE}/requests.json",
            params={"jurisdiction_id": "riyadh", "page": number, "page_size": 2},
        )
        pages.append([r["service_request_id"] for r in checked(response, "requests")])
        assert ("link" in response.headers) == (number <= 2), number
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5], []]
    url = f"{BASE}/requests.json?jurisdiction_id=riyadh&page_size=2"
    while url:
        response = await hub.client.get(url)
        link_pages.append([r["service_request_id"] for r in checked(response, "requests")])
        match = re.fullmatch(r'<(.+)>; rel="next"', response.headers.get("link", ""))
        url = match.group(1) if match else ""
        if url:
            assert parse_qs(urlsplit(url).query)["page"] == [str(len(link_pages) + 1)]
    assert link_pages == pages[:3]
    xml_page = await hub.get(
        "requests", "requests", "xml", jurisdiction_id="riyadh", page=2, page_size=2
    )
    assert [r["service_request_id"] for r in xml_page] == newest_first[2:4]


async def test_requests_list_bad_filters(hub):
    now = datetime.now(UTC)
    bad: list[dict[str, Any]] = [
        {"status": "pending"},
        {"start_date": "2026-03-01T00:00:00"},  # no offset
        {"start_date": "yesterday"},
        {"start_date": (now - timedelta(days=91)).isoformat(), "end_date": now.isoformat()},
        {"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()},
        {"start_date": "0001-01-01T00:30:00+01:00"},  # RFC 3339, but before year 1 in UTC
        {"end_date": "9999-12-31T23:00:00-05:00"},  # after 9999 in UTC
        {"service_code": ["water-leak", "pothole"]},  # one value, given twice
        {"page": "0"},
        {"page_size": "1001"},
        {"page_size": "many"},
        {"cursor": "not-a-cursor"},
        {"service_request_id": ",".join(f"INQ-2026-{i:06d}" for i in range(1001))},
    ]
    for params in bad:
        for fmt in ("json", "xml"):
            response = await hub.client.get(
                f"{BASE}/requests.{fmt}", params={"jurisdiction_id": "riyadh", **params}
            )
            errors(response, 400, fmt)


async def test_requests_list_dates_at_the_edges(hub):
    """RFC 3339's lower-case `t` and `z` are read; a window at the end of year 9999 is
    answered (its default end held at the last instant), not a server error."""
    for params in (
        {"start_date": "2026-03-01t00:00:00z"},
        {"start_date": "9999-12-31T00:00:00Z"},
        {"start_date": "9999-12-31T00:00:00Z", "end_date": "9999-12-31T23:59:59.999999Z"},
        {"end_date": "9999-12-31T23:59:59.999999+05:00"},
        {"end_date": "0001-01-02T00:00:00Z"},
    ):
        for fmt in ("json", "xml"):
            response = await hub.client.get(
                f"{BASE}/requests.{fmt}", params={"jurisdiction_id": "riyadh", **params}
            )
            assert response.status_code == 200, (params, response.text)
