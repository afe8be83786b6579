"""The shared kernel through a real ASGI app on a real database."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.common.kernel_app import create_app

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(make_client):
    return await make_client(create_app)


async def test_health_ready_and_metrics(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "up"
    await client.get("/v1/notes")
    metrics = await client.get("/metrics")
    assert 'route="/v1/notes"' in metrics.text
    assert "govhub_http_request_duration_seconds_bucket" in metrics.text


async def test_request_id_generated_and_echoed(client):
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) >= 16
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_unknown_route_and_method_are_problems(client):
    missing = await client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    body = missing.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == "route_not_found" and body["title"] == "المسار غير موجود"
    english = await client.get("/nope", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.json()["title"] == "No such route"
    wrong_method = await client.delete("/v1/notes")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


async def test_validation_errors_name_the_fields(client):
    response = await client.post(
        "/v1/notes", json={"text": "", "extra": 1}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    body = response.json()
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"text", "extra"}
    assert body["code"] == "validation_failed"
    domain = await client.post("/v1/notes", json={"text": "reject"})
    assert domain.status_code == 422 and domain.json()["errors"][0]["field"] == "text"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"text": "x"', "application/json", 400, "malformed_json"),
        (b'{"text": "\xff\xfe"}', "application/json", 400, "invalid_encoding"),
        (b"text=x", "text/plain", 415, "unsupported_media_type"),
        (b"text=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
async def test_bad_bodies_are_4xx_problems(client, content, content_type, status, code):
    response = await client.post(
        "/v1/notes", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code


async def test_oversize_body_is_413(make_client):
    small = await make_client(create_app, max_body_bytes=100)
    response = await small.post("/v1/notes", json={"text": "x" * 200})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"

    async def chunks():
        for _ in range(10):
            yield b"x" * 50

    streamed = await small.post(
        "/v1/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_unhandled_error_is_a_500_problem_without_internals(client):
    response = await client.post("/v1/notes", json={"text": "boom"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "internal detail" not in response.text
    assert response.headers["x-request-id"]
    # and nothing of the failed request was committed
    assert (await client.get("/v1/notes/count")).json()["count"] == 0


async def test_failed_request_commits_nothing(client):
    await client.post("/v1/notes", json={"text": "kept"})
    await client.post("/v1/notes", json={"text": "boom"})
    assert (await client.get("/v1/notes/count")).json()["count"] == 1


async def test_reads_run_in_autocommit_and_writes_in_one_transaction(client):
    # a read-only transaction would cost a BEGIN and a ROLLBACK round trip for nothing
    assert (await client.get("/v1/notes/_transaction")).json() == {"in_transaction": False}
    assert (await client.post("/v1/notes/_transaction")).json() == {"in_transaction": True}


async def test_keyset_pagination_walks_every_item_once(client):
    for i in range(7):
        assert (await client.post("/v1/notes", json={"text": f"n{i}"})).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/notes", params=params)).json()
        seen += [item["text"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"n{i}" for i in range(7)] and len(seen) == 7
    assert seen[0] == "n6"  # newest first
    bad = await client.get("/v1/notes", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    too_many = await client.get("/v1/notes", params={"limit": 501})
    assert too_many.status_code == 422


async def test_idempotency_key_replays_and_refuses_other_bodies(client):
    headers = {"Idempotency-Key": "key-1"}
    first = await client.post("/v1/notes", json={"text": "once"}, headers=headers)
    again = await client.post("/v1/notes", json={"text": "once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/v1/notes", json={"text": "other"}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert (await client.get("/v1/notes/count")).json()["count"] == 1


async def test_failed_request_does_not_burn_the_key(client):
    headers = {"Idempotency-Key": "key-2"}
    failed = await client.post("/v1/notes", json={"text": "reject"}, headers=headers)
    assert failed.status_code == 422
    # the retry with a corrected body is a different request: allowed since nothing was stored
    ok = await client.post("/v1/notes", json={"text": "fixed"}, headers=headers)
    assert ok.status_code == 201


async def test_concurrent_duplicates_collapse_into_one_effect(client):
    headers = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    body = {"text": "racing", "delay": 0.3}
    responses = await asyncio.gather(
        *[client.post("/v1/notes", json=body, headers=headers) for _ in range(4)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await client.get("/v1/notes/count")).json()["count"] == 1


async def test_etag_and_if_match(client):
    created = await client.post("/v1/notes", json={"text": "v1"})
    etag = created.headers["etag"]
    note = created.json()["id"]
    stale = await client.patch(
        f"/v1/notes/{note}", json={"text": "v2"}, headers={"If-Match": '"0000"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    fresh = await client.patch(f"/v1/notes/{note}", json={"text": "v2"}, headers={"If-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    again = await client.patch(f"/v1/notes/{note}", json={"text": "v3"}, headers={"If-Match": etag})
    assert again.status_code == 412
