"""Open311: a request that carries a file stores it; `media_url` points at it, publicly."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.attachments.conftest import EXECUTABLE, Hub, jpeg_with_gps
from tests.inquiries.test_open311 import machine_client

BASE = "/open311/v2"


@pytest.fixture
def storage_kind() -> str:
    return "local"


async def water_leak(hub: Hub) -> str:
    response = await hub.api.post(
        "/v1/inquiry-categories",
        headers=hub.world.auth("org_admin@R"),
        json={
            "organization_id": str(hub.world.orgs["R"]),
            "code": "water-leak",
            "name_ar": "تسرب المياه",
            "public": True,
        },
    )
    assert response.status_code == 201, response.text
    return await machine_client(hub.world, "app", ["inquiries:write"])


def fields(api_key: str, **extra: str) -> dict[str, str]:
    return {
        "jurisdiction_id": "riyadh",
        "api_key": api_key,
        "service_code": "water-leak",
        "lat": "24.7136",
        "long": "46.6753",
        "description": "تسرب مياه أمام المنزل رقم ١٢",
        **extra,
    }


async def test_a_request_with_a_photo(hub: Hub) -> None:
    api_key = await water_leak(hub)
    posted = await hub.api.post(
        f"{BASE}/requests.json",
        data=fields(api_key, media_url="https://example.sa/other.jpg"),
        files={"media": ("leak.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert posted.status_code == 200, posted.text
    [receipt] = posted.json()
    reference = receipt["service_request_id"]

    shown = await hub.api.get(
        f"{BASE}/requests/{reference}.json", params={"jurisdiction_id": "riyadh"}
    )
    [request] = shown.json()
    url = urlsplit(request["media_url"])
    assert url.scheme == "http" and url.netloc == "testserver"
    assert url.path.startswith("/v1/attachments/") and url.path.endswith("/content")
    # public like the request: anyone reads it, without the photo's GPS position
    photo = await hub.api.get(url.path)
    assert photo.status_code == 200, photo.text
    assert not Image.open(io.BytesIO(photo.content)).getexif()
    xml = await hub.api.get(
        f"{BASE}/requests/{reference}.xml", params={"jurisdiction_id": "riyadh"}
    )
    assert f"<media_url>{request['media_url']}</media_url>" in xml.text


async def test_a_media_url_alone_is_kept_not_fetched_and_bad_files_refused(hub: Hub) -> None:
    api_key = await water_leak(hub)
    posted = await hub.api.post(
        f"{BASE}/requests.json", data=fields(api_key, media_url="http://127.0.0.1:1/x.jpg")
    )
    assert posted.status_code == 200, posted.text
    [receipt] = posted.json()
    shown = await hub.api.get(
        f"{BASE}/requests/{receipt['service_request_id']}.json",
        params={"jurisdiction_id": "riyadh"},
    )
    assert shown.json()[0]["media_url"] is None  # never fetched, never stored as ours

    inquiries = await hub.world.directory.conn.fetchval("SELECT count(*) FROM inquiry")
    refused = await hub.api.post(
        f"{BASE}/requests.json",
        data=fields(api_key),
        files={"media": ("leak.jpg", EXECUTABLE, "image/jpeg")},
    )
    assert refused.status_code == 415, refused.text
    assert refused.json()[0]["code"] == 415
    assert await hub.world.directory.conn.fetchval("SELECT count(*) FROM inquiry") == inquiries
    assert await hub.world.directory.conn.fetchval("SELECT count(*) FROM common_attachment") == 0
