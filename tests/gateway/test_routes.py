"""The route table: longest prefix on segment boundaries, and 404 problems for the rest."""

from __future__ import annotations

import pytest

from gateway.routes import DEFAULT_PREFIXES, RouteTable, build_route_table
from services.common.settings import SERVICE_NAMES, GovhubSettings

PROBLEM = "application/problem+json"


@pytest.fixture
def table() -> RouteTable:
    return RouteTable(DEFAULT_PREFIXES, {name: f"http://{name}.internal" for name in SERVICE_NAMES})


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/auth/token", "directory"),
        ("/.well-known/jwks.json", "directory"),
        ("/v1/organizations/7/holidays", "directory"),
        ("/v1/users", "directory"),
        ("/v1/api-clients", "directory"),
        ("/v1/channels", "directory"),
        ("/v1/channels/", "directory"),
        ("/v1/channels/4f1c", "directory"),
        ("/v1/channels/whatsapp", "inquiries"),
        ("/v1/channels/whatsapp/webhook", "inquiries"),
        ("/v1/channels/whatsapp-business", "directory"),
        ("/v1/audit", "directory"),
        ("/v1/webhooks/3", "directory"),
        ("/v1/inquiries/track/INQ-2026-000123", "inquiries"),
        ("/v1/inquiry-categories", "inquiries"),
        ("/v1/sla-policies/1", "inquiries"),
        ("/open311/v2/services.json", "inquiries"),
        ("/v1/calendar/feeds/1.ics", "calendar"),
        ("/v1/initiatives/1/milestones", "campaigns"),
        ("/v1/milestones/1", "campaigns"),
        ("/v1/campaigns/imports", "campaigns"),
        ("/v1/key-messages", "campaigns"),
        ("/v1/kpis/1/measurements", "campaigns"),
        ("/v1/reports", "campaigns"),
        ("/v1/crisis-playbooks/1/activate", "campaigns"),
    ],
)
def test_longest_prefix_on_segment_boundaries(table: RouteTable, path: str, service: str) -> None:
    assert table.service_for(path) == service


@pytest.mark.parametrize(
    "path", ["/", "", "/v1", "/v1/", "/v1/usersx", "/v1/inquiriesfoo/1", "/v2/users", "/healthz"]
)
def test_unrouted_paths(table: RouteTable, path: str) -> None:
    assert table.match(path) is None


def test_base_urls_come_from_settings() -> None:
    settings = GovhubSettings(calendar_url="http://10.0.0.5:9000/", calendar_port=1)
    table = build_route_table(settings)
    calendar = table.match("/v1/calendar/entries")
    assert calendar is not None and calendar.base_url == "http://10.0.0.5:9000"
    directory = table.match("/v1/users")
    assert directory is not None
    assert directory.base_url == f"http://{settings.host}:{settings.directory_port}"
    assert directory.label.path == "/v1/users/*"


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="root"):
        RouteTable({"/": "directory"}, {"directory": "http://d"})
    with pytest.raises(ValueError, match="no base URL"):
        RouteTable({"/v1/x": "nowhere"}, {"directory": "http://d"})


async def test_requests_reach_the_owning_service(gateway, upstreams) -> None:
    for path, service in [
        ("/v1/channels/whatsapp/webhook", "inquiries"),
        ("/v1/channels", "directory"),
        ("/v1/calendar/entries", "calendar"),
        ("/v1/reports", "campaigns"),
        ("/.well-known/jwks.json", "directory"),
    ]:
        response = await gateway.client.get(path, params={"hub.mode": "subscribe", "q": "أمانة"})
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["service"] == service
        assert answer["path"] == path
        assert "hub.mode=subscribe" in answer["query"]
        assert "q=%D8%A3%D9%85%D8%A7%D9%86%D8%A9" in answer["query"]
        assert response.headers["etag"] == '"v1"'


async def test_unknown_route_is_a_problem(gateway, upstreams) -> None:
    arabic = await gateway.client.get("/v2/unknown")
    assert arabic.status_code == 404
    assert arabic.headers["content-type"] == PROBLEM
    assert arabic.json()["code"] == "route_not_found"
    assert arabic.json()["title"] == "المسار غير موجود"
    english = await gateway.client.get("/v1/nothing-here", headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert english.json()["title"] == "No such route"
    assert english.headers["x-request-id"]
    assert all(not service.seen for service in upstreams.values())
