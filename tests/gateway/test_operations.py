"""Health, readiness, metrics, CORS and the offline Swagger UI."""

from __future__ import annotations

from tests.gateway.conftest import free_port

PROBLEM = "application/problem+json"
ORIGIN = "https://portal.gov.example"


async def test_healthz(gateway) -> None:
    response = await gateway.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "gateway"}


async def test_readyz_all_up(gateway, upstreams) -> None:
    response = await gateway.client.get("/readyz", headers={"X-Request-ID": "ready-1"})
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "directory": "up",
            "inquiries": "up",
            "calendar": "up",
            "campaigns": "up",
            "database": "up",
        },
    }


async def test_readyz_names_the_down_service(make_gateway, upstreams) -> None:
    gateway = await make_gateway(calendar_url=f"http://127.0.0.1:{free_port()}")
    response = await gateway.client.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "service_unavailable"
    assert problem["title"] == "Service unavailable"
    assert problem["checks"]["calendar"] == "down"
    assert problem["checks"]["directory"] == "up"
    assert problem["checks"]["database"] == "up"
    assert "calendar" in problem["detail"]
    arabic = await gateway.client.get("/readyz")
    assert arabic.json()["title"] == "الخدمة غير متاحة"


async def test_readyz_reports_the_database(gateway, upstreams) -> None:
    upstreams["inquiries"].database = "down"
    response = await gateway.client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "down"
    assert checks["inquiries"] == "down"
    assert checks["directory"] == "up"


async def test_metrics_label_proxied_requests_by_prefix(gateway, upstreams) -> None:
    await gateway.client.get("/v1/key-messages/1")
    await gateway.client.get("/v2/unknown")
    metrics = await gateway.client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert (
        'govhub_http_requests_total{app="gateway",method="GET",route="/v1/key-messages/*",'
        'status="200"}' in text
    )
    assert 'app="gateway",method="GET",route="<unmatched>",status="404"' in text


async def test_cors_preflight_and_exposed_headers(make_gateway, upstreams) -> None:
    gateway = await make_gateway(cors_origins=[ORIGIN], rate_limit_anonymous="1/minute")
    preflight = await gateway.client.options(
        "/v1/inquiries",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert upstreams["inquiries"].seen == []

    refused = await gateway.client.options(
        "/v1/inquiries",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 400

    simple = await gateway.client.get("/v1/inquiries", headers={"Origin": ORIGIN})
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    exposed = {
        h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-request-id", "etag", "location", "retry-after", "ratelimit", "ratelimit-policy"} <= (
        exposed
    )
    # a browser can read the 429 too
    limited = await gateway.client.get("/v1/inquiries", headers={"Origin": ORIGIN})
    assert limited.status_code == 429
    assert limited.headers["access-control-allow-origin"] == ORIGIN


async def test_docs_render_from_local_assets(gateway) -> None:
    page = await gateway.client.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "/openapi.json" in page.text
    assert "cdn." not in page.text
    script = await gateway.client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert len(script.content) > 100_000
    assert (await gateway.client.get("/docs/static/swagger-ui.css")).status_code == 200
    redirect = await gateway.client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "oauth2" in redirect.text.lower()
